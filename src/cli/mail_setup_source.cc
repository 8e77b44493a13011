#include "cli/mail_setup_source.h"

#include "plan/dms.h"
#include "util/env_file.h"
#include "plan/mailcow.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace mailcert::cli {
namespace {

util::Error Invalid(const std::string& message) {
  return util::Error{util::ErrorCode::kInvalidInput, message, {}};
}

util::Result<std::vector<std::string>> RunDomainCommand(const std::string& command,
                                                        const std::string& origin,
                                                        sys::ProcessRunner& runner,
                                                        std::map<std::string, std::string> env) {
  sys::ProcessRequest request;
  request.argv = {"/bin/sh", "-c", command};
  request.extra_env = std::move(env);
  request.timeout = std::chrono::seconds(60);
  auto outcome = runner.Run(request);
  if (!outcome) return util::Fail(outcome.error().WithContext(origin + ": domains_command"));
  if (outcome->exit_code != 0) {
    std::string first = util::Split(std::string(util::Trim(outcome->stderr_text)), '\n').front();
    return util::Fail(util::ErrorCode::kIo,
                      origin + ": domains_command failed (exit " +
                          std::to_string(outcome->exit_code) + ")" +
                          (first.empty() ? "" : ": " + first) +
                          "; no certificate is changed on a failed domain list");
  }
  std::vector<std::string> domains = ParseDomainLines(outcome->stdout_text);
  if (domains.empty()) {
    return util::Fail(util::ErrorCode::kIo,
                      origin + ": domains_command printed no domains; a database hiccup must "
                               "not look like every domain was removed — if there really are "
                               "none, write domains = [] instead");
  }
  return domains;
}

util::Result<void> ResolveDomains(const MailConfig& mail, plan::MailSetup& setup,
                                  sys::ProcessRunner& runner) {
  if (mail.domains) {
    setup.domains = *mail.domains;
  } else if (mail.domains_file) {
    auto text = sys::RealFs().ReadFile(*mail.domains_file);
    if (!text) return util::Fail(text.error().WithContext(mail.origin + ": domains_file"));
    setup.domains = ParseDomainLines(*text);
  } else if (mail.domains_command) {
    MC_ASSIGN_OR_RETURN(setup.domains,
                        RunDomainCommand(*mail.domains_command, mail.origin, runner, {}));
  }
  return {};
}

// [mail] values override what was read from mailcow.conf / DMS, key by key.
void Overlay(const MailConfig& mail, plan::MailSetup& setup) {
  if (mail.hostname) setup.hostname = util::ToLower(*mail.hostname);
  if (mail.labels) setup.labels = *mail.labels;
  for (const auto& domain : mail.mta_sts_domains) setup.mta_sts_domains.insert(domain);
  for (const auto& name : mail.additional_names) setup.additional_names.push_back(name);
  if (mail.only_hostname) setup.only_hostname = true;
  if (mail.sni) setup.sni = true;
  if (mail.key_types) setup.key_types = *mail.key_types;
  if (!mail.profile.empty()) setup.profile = mail.profile;
  if (mail.challenge != "http-01") setup.challenge = mail.challenge;
  if (mail.drop_failing_names) setup.drop_failing_names = true;
}

}  // namespace

std::vector<std::string> ParseDomainLines(const std::string& text) {
  std::vector<std::string> domains;
  for (const auto& line : util::Split(text, '\n')) {
    std::string_view domain = util::Trim(line);
    if (domain.empty() || domain.front() == '#') continue;
    domains.push_back(util::ToLower(domain));
  }
  return domains;
}

util::Result<LoadedSetup> LoadMailSetup(const SetupSource& source,
                                        const std::optional<FileConfig>& config,
                                        sys::ProcessRunner& runner) {
  const MailConfig* mail = config && config->mail ? &*config->mail : nullptr;
  if (!source.mailcow_dir.empty() && !source.dms_env.empty()) {
    return util::Fail(Invalid("--mailcow and --dms describe two different setups; give one"));
  }
  LoadedSetup loaded;
  bool domains_from_mailcow_db = false;
  if (!source.mailcow_dir.empty()) {
    const std::string path = sys::JoinPath(source.mailcow_dir, "mailcow.conf");
    MC_ASSIGN_OR_RETURN(std::string text, sys::RealFs().ReadFile(path));
    plan::MailcowSettings mailcow = plan::ReadMailcow(util::ParseEnvFile(text, path));
    loaded.setup = mailcow.setup;
    loaded.directory_url = mailcow.directory_url;
    loaded.account_email = mailcow.account_email;
    if (loaded.setup.challenge == "dns-01") {
      // mailcow keeps the provider's secrets in data/conf/acme/dns-01.conf (mounted as
      // ACME_DNS_CONFIG_FILE); mailcert reads the same file, as data.
      loaded.dns_provider = mailcow.dns_provider;
      const std::string conf = sys::JoinPath(source.mailcow_dir, "data/conf/acme/dns-01.conf");
      if (sys::RealFs().Stat(conf)) loaded.dns_credentials = conf;
    }
    loaded.acme_disabled = mailcow.acme_disabled;
    loaded.warnings = mailcow.warnings;
    loaded.ignored = mailcow.ignored;
    loaded.setup.skip_ip_check = mailcow.skip_ip_check;
    loaded.setup.skip_http_check = mailcow.skip_http_check;
    loaded.setup.skip_ipv4_compare = mailcow.ipv4_snat;
    loaded.setup.skip_ipv6_compare = mailcow.ipv6_snat;
    loaded.description = "mailcow.conf in " + source.mailcow_dir;
    domains_from_mailcow_db = true;
  } else if (!source.dms_env.empty()) {
    MC_ASSIGN_OR_RETURN(std::string text, sys::RealFs().ReadFile(source.dms_env));
    plan::DmsSettings dms =
        plan::ReadDms(util::ParseEnvFile(text, source.dms_env), source.dms_hostname);
    loaded.setup = dms.setup;
    loaded.dms_live_name = dms.live_name;
    loaded.warnings = dms.warnings;
    loaded.description = "docker-mailserver settings in " + source.dms_env;
  } else if (mail == nullptr) {
    return util::Fail(Invalid("no mail setup: add a [mail] table to --config, or read one with "
                              "--mailcow DIR or --dms FILE"));
  } else {
    loaded.description = "[mail] in " + config->path;
  }
  if (mail != nullptr) {
    Overlay(*mail, loaded.setup);
    loaded.setup.skip_ip_check = loaded.setup.skip_ip_check || mail->skip_ip_check;
    loaded.setup.skip_http_check = loaded.setup.skip_http_check || mail->skip_http_check;
    loaded.setup.own_addresses = mail->own_addresses;
    const bool has_source = mail->domains || mail->domains_file || mail->domains_command;
    if (has_source) {
      MC_RETURN_IF_ERROR(ResolveDomains(*mail, loaded.setup, runner));
      domains_from_mailcow_db = false;
    }
  }
  if (domains_from_mailcow_db) {
    // mailcow keeps its domains in MariaDB (acme.sh: SELECT domain FROM domain WHERE backupmx=0
    // AND active=1). The password goes through the environment, never the command line.
    const std::string path = sys::JoinPath(source.mailcow_dir, "mailcow.conf");
    util::EnvFile conf = util::ParseEnvFile(sys::RealFs().ReadFile(path).value_or(""), path);
    const std::string command =
        "docker compose --project-directory \"$MAILCERT_MAILCOW_DIR\" exec -T -e MYSQL_PWD "
        "mysql-mailcow mysql -N -u \"$MAILCERT_DB_USER\" \"$MAILCERT_DB_NAME\" -e "
        "'SELECT domain FROM domain WHERE backupmx=0 AND active=1'";
    MC_ASSIGN_OR_RETURN(
        loaded.setup.domains,
        RunDomainCommand(command, path + " (mailcow database)", runner,
                         {{"MAILCERT_MAILCOW_DIR", source.mailcow_dir},
                          {"MAILCERT_DB_USER", conf.Get("DBUSER", "mailcow")},
                          {"MAILCERT_DB_NAME", conf.Get("DBNAME", "mailcow")},
                          {"MYSQL_PWD", conf.Get("DBPASS")}}));
  }
  return loaded;
}

}  // namespace mailcert::cli
