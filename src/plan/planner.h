#pragma once
// Planning: which certificates a mail setup needs and which names each holds — a pure function
// of the setup, what the store already holds, and the pre-flight check results, so it gets table
// tests (design.md).
//
// Rules (issue #4):
// - One SAN certificate by default; with SNI, a server certificate (host name + fixed additional
//   names) and one certificate per mail domain.
// - Names covered by a wildcard of the same certificate are left out (CAs reject them as
//   redundant).
// - A certificate over the CA's name limit is split, stably: a mail domain stays in the
//   certificate that already holds it, a new domain goes into the first one with room, so adding
//   or removing one domain changes at most one certificate (rate limits: 5 per identical name set
//   per week, 50 per registered domain per week).
// - The host name always stays in the server certificate, which is always the default; a failing
//   host name blocks that certificate, it never promotes another name.
// - A name that fails its checks is reported, never silently dropped: the certificate holding it
//   is kept as it is until the name passes or is removed from the config (drop_failing_names
//   changes that and says which names it dropped). Only a name removed from the config shrinks a
//   certificate.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plan/mail_setup.h"

namespace mailcert::plan {

// A certificate the store already holds (its current version's names).
struct ExistingCertificate {
  std::string lineage;
  std::vector<std::string> names;
  std::vector<std::string> key_types;
};

struct NameCheck {
  bool passed = true;
  std::string reason;  // why it failed ("CAA at example.org allows only sectigo.com")
  std::string hint;    // what to do
};

enum class PlanStatus {
  kNew,        // no certificate yet: obtain it
  kUnchanged,  // same names as stored: renew on schedule only
  kChanged,    // names differ from the stored certificate: obtain a new one
  kHeld,       // would change or be new, but a name fails its checks: left as it is
};

const char* PlanStatusName(PlanStatus status);

struct PlannedCertificate {
  std::string lineage;
  std::vector<std::string> names;  // what will be requested (host name first for the server cert)
  std::vector<std::string> key_types;
  bool server = false;  // the default certificate (holds the host name)
  PlanStatus status = PlanStatus::kNew;
  std::string why;                          // one line
  std::vector<std::string> failing_names;   // failing, kept in the certificate (held)
  std::vector<std::string> dropped_names;   // failing, left out (drop_failing_names)
  std::vector<std::string> added_names;     // against the stored certificate
  std::vector<std::string> removed_names;   // removed from the config
};

struct Plan {
  std::vector<PlannedCertificate> certificates;
  // Stored certificates of this setup that no longer have a place (an SNI domain was removed,
  // an overflow certificate emptied): kept in the store, no longer renewed or deployed.
  std::vector<std::string> retired;
  std::vector<std::string> problems;  // setup errors (no host name, wildcard without DNS-01…)
  // True when something needs an administrator: a problem, a held certificate, a dropped name.
  bool NeedsAttention() const;
};

// Every name the setup wants, grouped: the server group first, then one group per mail domain
// (in the order given). Exposed for tests and for `plan --json`.
struct NameGroup {
  std::string domain;  // empty for the server group
  std::vector<std::string> names;
};
std::vector<NameGroup> BuildNameGroups(const MailSetup& setup, std::vector<std::string>* problems);

// True when `name` is covered by wildcard `pattern` ("*.example.org" covers "a.example.org",
// not "example.org" nor "a.b.example.org"; RFC 6125 §6.4.3).
bool CoveredByWildcard(const std::string& name, const std::string& pattern);

// `existing` holds the stored certificates this setup manages (not unrelated lineages).
Plan MakePlan(const MailSetup& setup, const std::vector<ExistingCertificate>& existing,
              const std::map<std::string, NameCheck>& checks);

}  // namespace mailcert::plan
