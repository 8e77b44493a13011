#pragma once
// docker-mailserver's certificate settings (mailserver.env / compose environment), read with its
// own lookup order (mailcow-and-dms-certificate-handling.md §2.1; DMS target/scripts/helpers).
// DMS has no ACME client and serves one certificate (plus an alternate key type in `manual`
// mode), without SNI.

#include <string>
#include <vector>

#include "util/env_file.h"
#include "plan/mail_setup.h"

namespace mailcert::plan {

struct DmsSettings {
  MailSetup setup;
  std::string ssl_type;  // letsencrypt | manual | custom | self-signed | "" (TLS off)
  // The folder name DMS looks for under /etc/letsencrypt/live/ (SSL_DOMAIN without "*.", then
  // the host name, then the domain name): the lineage mailcert deploys as.
  std::string live_name;
  std::vector<std::string> warnings;
};

// `system_hostname` stands in for `hostname -f` inside the container (compose `hostname:`).
DmsSettings ReadDms(const util::EnvFile& env, const std::string& system_hostname);

}  // namespace mailcert::plan
