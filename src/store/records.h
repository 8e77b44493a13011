#pragma once
// What the store keeps, as plain structs. JSON encoding lives in records.cc; nothing here holds
// key material except VersionFiles::key_pem and AccountKeyPem, which only ever reach 0600 files.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"
#include "util/time.h"

namespace mailcert::store {

// <state>/accounts/<directory-host>/<id>/account.json
struct AccountRecord {
  std::string id;             // directory name; stable label chosen at creation
  std::string directory_url;  // the CA's directory this account lives at
  std::string url;            // account URL (the JWS "kid"), empty until registered
  std::vector<std::string> contact;  // "mailto:…"
  std::string status;         // "valid", "deactivated", "revoked" (RFC 8555 §7.1.2)
  std::string eab_kid;        // External Account Binding key id used, if any (never the MAC key)
  util::TimePoint created;
};

// How a lineage was asked for; `renew` repeats it (flags and config override).
struct IssueRequest {
  std::vector<std::string> names;
  std::string key_type = "ec256";
  std::string server;           // ACME directory URL
  std::string ca_bundle;        // extra CA for the ACME server's HTTPS, if any
  std::string http_listen;      // HTTP-01 built-in responder addresses, comma separated
  std::string webroot;          // HTTP-01 webroot, when used instead
  std::string preferred_chain;  // issuer CN of the preferred chain's top certificate
  bool from_mail_plan = false;  // issued for the [mail] plan: the plan may retire it
  std::string profile;          // ACME profile asked for, if any
  std::string challenge;        // "dns-01"; empty: http-01
  std::string dns_provider;     // dns-01 provider given on the command line (--dns), if any
  std::string dns_credentials;  // its credentials file's path (never the secrets themselves)
};

// <state>/certs/<lineage>/state.json
// The last deploy of a lineage's current version into one [[deploy]] target, and what the
// verification on the wire found (design.md: state.json keeps the last deploy/verify).
struct DeployRecord {
  util::TimePoint at;
  int version = 0;                     // the store version deployed or attempted
  std::string fingerprint_sha256_hex;  // of that version's leaf
  std::string status;                  // "deployed", "unchanged", "refused", "rolled-back"
  std::string error;                   // one line when not deployed/unchanged, never a secret
  bool ok() const { return status == "deployed" || status == "unchanged"; }
};

struct LineageState {
  IssueRequest request;
  std::optional<util::TimePoint> last_attempt;
  std::optional<util::TimePoint> last_success;
  int consecutive_failures = 0;
  std::string last_error;  // one line, never a secret
  std::vector<std::string> revoked_serials;  // revoked through mailcert; such a version is due
  bool key_compromised = false;  // revoked for keyCompromise: the next version gets a new key
  std::map<std::string, DeployRecord> deploys;  // by [[deploy]] target name
};

// <state>/certs/<lineage>/versions/<n>/meta.json
struct VersionMeta {
  int number = 0;
  std::vector<std::string> names;
  std::string key_type;
  util::TimePoint issued_at;
  util::TimePoint not_before;
  util::TimePoint not_after;
  std::string serial_hex;
  std::string issuer_cn;
  std::string fingerprint_sha256_hex;
  std::string spki_sha256_hex;
  std::string directory_url;
  std::string account_url;
  std::string order_url;
  std::string certificate_url;
  bool key_reused = false;
  std::string source = "acme";  // "acme" or, later, "import"
};

struct VersionFiles {
  std::string key_pem;        // secret
  std::string cert_pem;       // leaf only
  std::string chain_pem;      // intermediates
  std::string fullchain_pem;  // leaf + intermediates
};

std::string EncodeAccount(const AccountRecord& record);
util::Result<AccountRecord> DecodeAccount(const std::string& json, const std::string& origin);
std::string EncodeState(const LineageState& state);
util::Result<LineageState> DecodeState(const std::string& json, const std::string& origin);
std::string EncodeMeta(const VersionMeta& meta);
util::Result<VersionMeta> DecodeMeta(const std::string& json, const std::string& origin);

}  // namespace mailcert::store
