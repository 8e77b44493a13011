#pragma once
// Where `plan` (and later `renew`) gets the mail setup from: mailcert's [mail] table, a
// mailcow-dockerized directory, or docker-mailserver settings. File reads and the domain-list
// command happen here; plan/ only sees the resulting data.

#include <optional>
#include <string>
#include <vector>

#include "cli/config.h"
#include "plan/mail_setup.h"
#include "sys/process.h"
#include "util/result.h"

namespace mailcert::cli {

struct SetupSource {
  std::string mailcow_dir;    // --mailcow DIR
  std::string dms_env;        // --dms FILE (mailserver.env)
  std::string dms_hostname;   // --hostname for DMS (the container's hostname -f)
};

struct LoadedSetup {
  plan::MailSetup setup;
  std::string directory_url;          // from mailcow.conf, when it says
  std::string account_email;          // from mailcow.conf, when it says
  std::string dns_provider;           // mailcow ACME_DNS_PROVIDER (with ACME_DNS_CHALLENGE=y)
  std::string dns_credentials;        // mailcow's data/conf/acme/dns-01.conf, when it exists
  bool acme_disabled = false;         // mailcow SKIP_LETS_ENCRYPT
  std::string dms_live_name;          // docker-mailserver live/<name>
  std::vector<std::string> warnings;  // file:line, for the report
  std::vector<std::string> ignored;   // settings read and not used, file:line
  std::string description;            // "mailcow.conf at /opt/mailcow-dockerized"
};

// Errors: kInvalidInput (no source, two sources), kNotFound/kIo (files), and a failing or empty
// domain command — never taken as "no domains", because that would shrink every certificate.
util::Result<LoadedSetup> LoadMailSetup(const SetupSource& source,
                                        const std::optional<FileConfig>& config,
                                        sys::ProcessRunner& runner);

// One domain per line; blank lines and # comments skipped.
std::vector<std::string> ParseDomainLines(const std::string& text);

}  // namespace mailcert::cli
