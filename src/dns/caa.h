#pragma once
// CAA evaluation (RFC 8659, with the accounturi and validationmethods parameters of RFC 8657)
// as a pure function of lookup results, so a pre-flight check can tell before ordering whether
// the CA will refuse a name — and say why, in words the domain's owner can act on.
//
// The lookup itself (climbing the tree, following aliases) is in caa_lookup.h; its results are
// the CaaSteps evaluated here.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/response.h"

namespace mailcert::dns {

// The outcome of one CAA query in the climb of RFC 8659 §3.
struct CaaStep {
  std::string name;                   // the name asked about: the identifier's base, then parents
  std::string alias_target;           // when `name` is an alias: the name whose CAA set this is
  std::vector<CaaRecord> records;     // empty: no CAA RRset at this name (NOERROR or NXDOMAIN)
  std::optional<QueryError> failure;  // the lookup failed; `records` means nothing then
};

struct CaaRequest {
  std::string identifier;  // "mail.example.com" or "*.example.com"
  // The CA's issuer domain names: the ACME directory's meta.caaIdentities (RFC 8555 §7.1.1),
  // e.g. {"letsencrypt.org"}.
  std::vector<std::string> issuer_domains;
  std::string account_uri;        // our ACME account URL (RFC 8657 §3); empty if none yet
  std::string validation_method;  // the challenge we will use: "http-01", "dns-01", ...
};

enum class CaaVerdict {
  kPermitted,     // no relevant CAA set, or it authorizes this CA, account and method
  kRefused,       // the relevant set does not authorize this request: the CA must refuse
  kLookupFailed,  // a lookup failed (SERVFAIL, timeout...): the CA refuses on that too
  kUndetermined,  // the set restricts issuance but the CA's issuer domains are unknown
};

const char* CaaVerdictName(CaaVerdict verdict);

struct CaaDecision {
  CaaVerdict verdict = CaaVerdict::kPermitted;
  std::string relevant_name;  // where the relevant CAA set was found; empty when none was
  std::string reason;         // one line: what decided, naming the records
  std::string hint;           // what to change; empty when permitted
};

// Decides `request` from `steps`, the results of asking for CAA at the identifier's base name
// and then each ancestor in order (as LookupCaa returns them). The relevant RRset is the first
// non-empty one (RFC 8659 §3); a failed step before it decides kLookupFailed.
CaaDecision EvaluateCaa(const CaaRequest& request, const std::vector<CaaStep>& steps);

// An issue / issuewild property value parsed per RFC 8659 §4.2.
struct CaaIssueValue {
  bool well_formed = true;    // false: the value breaks the grammar and authorizes nobody
  std::string issuer_domain;  // lowercase; empty: "issue ;" authorizes nobody
  std::vector<std::pair<std::string, std::string>> parameters;  // tag lowercased, value as is
};

CaaIssueValue ParseCaaIssueValue(std::string_view value);

}  // namespace mailcert::dns
