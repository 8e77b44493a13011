#pragma once
// The TOML configuration file (--config). Every key is optional; command-line flags win over
// the file, the file wins over built-in defaults. Unknown keys and wrong types are errors that
// name the file, the line and the key, so a typo never silently falls back to a default.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace mailcert::cli {

struct CertificateConfig {
  std::string name;                  // lineage; defaults to the first domain
  std::vector<std::string> domains;
  std::optional<std::string> key_type;
  std::optional<std::string> preferred_chain;
  std::optional<std::string> webroot;
  std::optional<std::string> http_listen;
  std::optional<std::string> challenge;  // "http-01" | "dns-01"
  std::string origin;  // "mailcert.toml:12" for messages
};

// [mail]: the mail setup mailcert plans certificates for (issue #4). Exactly one domain source.
struct MailConfig {
  std::string origin;  // "mailcert.toml:20:1"
  std::optional<std::string> hostname;
  std::optional<std::vector<std::string>> domains;
  std::optional<std::string> domains_file;     // one domain per line, # comments
  std::optional<std::string> domains_command;  // run with /bin/sh -c; stdout one per line
  std::optional<std::vector<std::string>> labels;
  std::vector<std::string> mta_sts_domains;
  std::vector<std::string> additional_names;
  bool only_hostname = false;
  bool sni = false;
  std::optional<std::vector<std::string>> key_types;
  std::string profile;
  std::string challenge = "http-01";
  bool drop_failing_names = false;
  // Pre-flight checks.
  std::vector<std::string> own_addresses;  // this host's public addresses (IPv4 and IPv6)
  bool skip_ip_check = false;
  bool skip_http_check = false;
  std::vector<std::string> dns_servers;    // resolvers for the checks ("127.0.0.1:53"); default
                                           // /etc/resolv.conf
  std::vector<std::string> caa_identities = {"letsencrypt.org"};  // the CA's CAA issuer domains
  int http_check_port = 80;                // where the CA fetches HTTP-01 (tests: a high port)
  std::string check_listen = ":80";        // where the check's token server listens (a comma list)
};

// [[deploy]]: one deploy target (issue #3). Raw values; cli/deploy_targets.cc applies defaults.
struct DeployConfig {
  std::string origin;
  std::string type;  // postfix | dovecot | nginx | mailcow | docker-mailserver
  std::string name;
  std::vector<std::string> certificates;  // lineages; empty: every lineage in the store
  std::string server;                     // the default certificate's lineage
  std::string dir;
  bool sni = false;
  std::string dovecot_version;  // "2.3", "2.4"; empty: ask `dovecot --version`
  std::string postfix_config_dir, nginx_config, dovecot_config;
  std::string mailcow_dir;
  std::string dms_mode;  // manual | letsencrypt
  std::string cert_path, key_path, alt_cert_path, alt_key_path, letsencrypt_dir, fqdn;
  std::string chain_path, fullchain_path, combined_path;  // type files
  std::string cert_mode, key_mode;                        // type files: octal, "0640"
  std::optional<std::vector<std::vector<std::string>>> prepare, reload;  // argv lists
  std::vector<std::string> endpoints;  // "smtp://127.0.0.1:25", "imaps://mail.example.org"
  int verify_timeout = 30;
  std::string ca_bundle;  // trust for validation when the CA is private (Pebble, a company CA)
  std::string owner, group;
  // The DANE guard (deploy/dane_guard.h): TLSA owner ports checked before writing; unset: 25
  // for targets that serve SMTP (postfix, mailcow, docker-mailserver), none for the others.
  std::optional<std::vector<int>> dane_ports;
  std::vector<std::string> dns_servers;  // resolvers for the TLSA lookup; default resolv.conf
};

// [[dns]]: one DNS-01 route (issue #5): which zones or domains it covers, the provider that
// writes their records, and how propagation is checked. Raw values; cli/dns_setup.cc reads the
// credentials file and builds challenge::DnsRoute.
struct DnsConfig {
  std::string origin;                // "mailcert.toml:40:1"
  std::vector<std::string> zones;    // empty with empty domains: every other name
  std::vector<std::string> domains;
  std::string provider;              // rfc2136 | powerdns | hook | an HTTP-API provider
  std::string credentials_file;      // KEY=VALUE, mode 0600
  std::map<std::string, std::string> settings;  // every other key: the provider's settings
  std::optional<int> propagation_timeout;       // seconds
  bool check_authoritative = true;
  std::vector<std::string> resolvers;  // "127.0.0.1:53"
  std::map<std::string, std::vector<std::string>> nameserver_addresses;  // host → addresses
};

struct FileConfig {
  std::string path;
  std::optional<std::string> server;
  std::optional<bool> staging;
  std::optional<std::string> ca_bundle;
  std::optional<std::string> state_dir;
  std::optional<std::string> email;
  std::optional<std::string> eab_kid;
  std::optional<std::string> eab_hmac_key;  // secret; prefer eab_hmac_key_file
  std::optional<std::string> eab_hmac_key_file;
  std::optional<std::string> http_listen;
  std::optional<std::string> webroot;
  std::optional<std::string> key_type;
  std::optional<std::string> preferred_chain;
  std::optional<int> concurrency;
  std::vector<CertificateConfig> certificates;
  std::optional<MailConfig> mail;
  std::vector<DeployConfig> deploy;
  std::vector<DnsConfig> dns;
  std::optional<std::string> challenge;  // "http-01" | "dns-01"; default dns-01 with [[dns]]
  // Run when an issuance, renewal or deploy fails (string: /bin/sh -c; list: argv), with
  // MAILCERT_EVENT, MAILCERT_SUBJECT and MAILCERT_ERROR in its environment.
  std::optional<std::vector<std::string>> alert_command;
};

// Errors: kInvalidInput "<path>:<line>:<column>: <what>" for syntax, unknown keys and types;
// kNotFound / kIo when the file cannot be read.
util::Result<FileConfig> LoadConfigFile(const std::string& path);

// The same from text (tests); `path` is used in messages only.
util::Result<FileConfig> ParseConfig(const std::string& text, const std::string& path);

}  // namespace mailcert::cli
