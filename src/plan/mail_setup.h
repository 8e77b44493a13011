#pragma once
// What a mail setup needs certificates for, independent of where it was read from (mailcert's
// TOML, mailcow.conf, docker-mailserver's environment). Plain data; MakePlan turns it into
// certificates.

#include <set>
#include <string>
#include <vector>

namespace mailcert::plan {

struct MailSetup {
  std::string hostname;              // the MX / mail host name; always in the server certificate
  std::vector<std::string> domains;  // mail domains (already resolved from list, file or command)
  // Labels put in front of every mail domain (mailcow AUTODISCOVER_SAN: autoconfig, autodiscover,
  // and mta-sts for domains in mta_sts_domains).
  std::vector<std::string> labels = {"autoconfig", "autodiscover"};
  std::set<std::string> mta_sts_domains;
  // Extra names: "label.*" = that label under every mail domain; "*.example.org" = a wildcard
  // (DNS-01 only); anything else = that name, in the server certificate.
  std::vector<std::string> additional_names;
  bool only_hostname = false;  // mailcow ONLY_MAILCOW_HOSTNAME
  bool sni = false;            // mailcow ENABLE_SSL_SNI: server certificate + one per domain
  std::vector<std::string> key_types = {"ec256"};  // two entries = dual RSA + ECDSA
  std::string profile;                             // "", "classic", "tlsserver", "shortlived"
  std::string challenge = "http-01";               // or "dns-01"
  bool drop_failing_names = false;  // mailcow-like: issue for the rest, say what was dropped
  // Pre-flight checks (mailcow SKIP_IP_CHECK, SKIP_HTTP_VERIFICATION).
  std::vector<std::string> own_addresses;  // empty: detected from the interfaces
  bool skip_ip_check = false;
  bool skip_http_check = false;
  bool skip_ipv4_compare = false;  // mailcow SNAT_TO_SOURCE: the IPv4 address is translated
  bool skip_ipv6_compare = false;  // mailcow SNAT6_TO_SOURCE
};

// The most names a CA accepts in one order for a profile (LE: 100 classic, 25 tlsserver and
// shortlived; ca-and-mail-tls-landscape-2026.md §1).
size_t NameLimit(const std::string& profile);

}  // namespace mailcert::plan
