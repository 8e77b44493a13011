#pragma once
// Effective settings of one command: flags win over the --config file, which wins over defaults.

#include <optional>
#include <string>
#include <vector>

#include "cli/config.h"
#include "crypto/key.h"
#include "store/records.h"
#include "util/result.h"

namespace mailcert::cli {

inline constexpr const char* kLetsEncryptProduction =
    "https://acme-v02.api.letsencrypt.org/directory";
inline constexpr const char* kLetsEncryptStaging =
    "https://acme-staging-v02.api.letsencrypt.org/directory";

// Exactly what was given on the command line (unset = not given).
struct Flags {
  std::string config_path;
  std::vector<std::string> domains;
  std::optional<std::string> cert_name;
  std::optional<std::string> key_type;
  std::optional<std::string> server;
  bool staging = false;
  std::optional<std::string> ca_bundle;
  std::optional<std::string> email;
  std::optional<std::string> eab_kid;
  std::optional<std::string> eab_hmac_key;
  std::optional<std::string> http_listen;
  std::optional<std::string> webroot;
  std::optional<std::string> dns;              // --dns PROVIDER: answer DNS-01 through it
  std::optional<std::string> dns_credentials;  // --dns-credentials FILE (KEY=VALUE, 0600)
  std::optional<std::string> preferred_chain;
  std::optional<std::string> state_dir;
  std::optional<int> concurrency;
  std::optional<std::string> reason;
  bool new_key = false;
  bool force = false;
  bool json = false;
  bool yes = false;
  int verbosity = 0;
  bool no_checks = false;  // plan: skip the pre-flight checks
  int warning_days = -1;   // check: WARNING below this many days left (-1: from the lifetime)
  int critical_days = -1;  // check: CRITICAL below this many days left
};

struct Settings {
  std::optional<FileConfig> file;
  std::string state_dir;
  std::string server;     // "" when neither flag nor config names one (lineages may)
  std::string ca_bundle;
  std::string email;
  std::string eab_kid;
  std::string eab_hmac_key;  // secret, base64url as the CA hands it out
  int concurrency = 16;
};

// Reads --config (when given) and resolves the global settings.
// Errors: kInvalidInput naming the flag or config key.
util::Result<Settings> ResolveSettings(const Flags& flags);

// One certificate to obtain, fully resolved.
struct LineageSpec {
  std::string lineage;
  std::vector<std::string> names;
  crypto::KeyType key_type = crypto::KeyType::kEc256;
  std::string preferred_chain;
  std::string profile;
  std::string server;
  std::string ca_bundle;
  std::string http_listen;  // comma separated addresses; used when webroot is empty
  std::string webroot;
  std::string challenge = "http-01";  // or "dns-01"
  // dns-01: a provider that wins over the config's default [[dns]] route (--dns, or what
  // state.json or mailcow.conf recorded), and its credentials file. Empty: the [[dns]] tables.
  std::string dns_provider;
  std::string dns_credentials;
  bool from_mail_plan = false;

  store::IssueRequest ToRecord() const;
};

// `issue`: the -d names as one lineage, or every [[certificate]] of the config file.
util::Result<std::vector<LineageSpec>> SpecsToIssue(const Flags& flags, const Settings& settings);

// `renew`: the config file's certificate of that name if there is one, else what state.json
// recorded at the last issue; flags override either.
util::Result<LineageSpec> SpecToRenew(const std::string& lineage,
                                      const store::IssueRequest& recorded, const Flags& flags,
                                      const Settings& settings);

// Checks one domain name (RFC 1035 §2.3.1 letters-digits-hyphen labels, an optional leading
// "*." wildcard label, or an IP literal). Errors name the value and its source.
util::Result<std::string> NormalizeName(const std::string& name, const std::string& source);

// Default state directory: /var/lib/mailcert for root, else $XDG_STATE_HOME/mailcert or
// ~/.local/state/mailcert.
std::string DefaultStateDir();

}  // namespace mailcert::cli
