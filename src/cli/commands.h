#pragma once
// Subcommands. Each returns the process exit code (design.md "Exit codes").

#include <string>
#include <vector>

#include "cli/mail_setup_source.h"
#include "cli/settings.h"

namespace mailcert::cli {

int RunIssue(const Flags& flags);
int RunRenew(const Flags& flags, const SetupSource& source);
int RunCertificates(const Flags& flags);
int RunAccount(const std::string& action, const Flags& flags);
int RunRevoke(const Flags& flags);
int RunPlan(const Flags& flags, const SetupSource& source);
int RunDeploy(const Flags& flags, const std::string& only_target);

// `check --host`: one endpoint outside any configuration.
struct CheckTarget {
  std::string host;
  int port = 0;
  std::string starttls;  // smtp, imap, pop3, sieve; empty: from the port, else plain TLS
  std::string name;      // the name to expect (and send as SNI); default: the host
  std::string ca_bundle;
  std::string key_type;  // "rsa" or "ecdsa": act as a client that accepts only that kind
  std::vector<std::string> dns_servers;  // for HOST's addresses and TLSA; default: the system's
};
int RunCheck(const Flags& flags, const CheckTarget& adhoc);

// `tlsa`: the DANE records (current and next key) to publish for each lineage.
struct TlsaRequest {
  int port = 25;                   // _<port>._tcp
  std::vector<std::string> names;  // owner names; default: each certificate's first name
};
int RunTlsa(const Flags& flags, const TlsaRequest& request);

}  // namespace mailcert::cli
