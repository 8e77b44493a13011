#pragma once
// mailcow-dockerized's certificate settings (mailcow.conf), with mailcow's own meaning,
// defaults and precedence (mailcow-and-dms-certificate-handling.md §1.1, data/Dockerfiles/acme).

#include <string>
#include <vector>

#include "util/env_file.h"
#include "plan/mail_setup.h"

namespace mailcert::plan {

struct MailcowSettings {
  MailSetup setup;              // host name, additional names, labels, SNI, challenge
  bool acme_disabled = false;   // SKIP_LETS_ENCRYPT
  bool skip_ip_check = false;   // SKIP_IP_CHECK
  bool skip_http_check = false; // SKIP_HTTP_VERIFICATION
  bool ipv4_snat = false;       // SNAT_TO_SOURCE set: the IPv4 own-address compare is bypassed
  bool ipv6_snat = false;       // SNAT6_TO_SOURCE set: the same for IPv6
  std::string directory_url;    // LE_STAGING wins over DIRECTORY_URL; default LE production
  std::string dns_provider;     // ACME_DNS_PROVIDER when ACME_DNS_CHALLENGE is on
  std::string account_email;    // ACME_ACCOUNT_EMAIL
  std::vector<std::string> warnings;  // file:line for malformed lines and odd values
  std::vector<std::string> ignored;   // settings that are not about certificates, file:line
};

// mailcow's truth test: the whole value matches ^([yY][eE][sS]|[yY])+$ (acme.sh line 33ff), so
// "y", "yes", "YES" are true and "true", "1", "on" are false — exactly as mailcow reads them.
bool MailcowTrue(const std::string& value);

MailcowSettings ReadMailcow(const util::EnvFile& conf);

}  // namespace mailcert::plan
