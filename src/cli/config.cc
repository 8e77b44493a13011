#include "cli/config.h"

#include <set>

#include <toml++/toml.h>

#include "cli/config_dns.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace mailcert::cli {
namespace internal {

std::string Where(const std::string& path, const toml::node& node) {
  const auto& begin = node.source().begin;
  return path + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column);
}

util::Error Invalid(const std::string& where, const std::string& what) {
  return util::Error{util::ErrorCode::kInvalidInput, where + ": " + what, {}};
}

}  // namespace internal

namespace {

using internal::Invalid;
using internal::Where;

// Reads one key of `table` into `out` when present; a wrong type is an error naming the key.
util::Result<void> ReadString(const toml::table& table, const char* key, const std::string& path,
                              std::optional<std::string>& out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return {};
  if (!node->is_string()) {
    return util::Fail(Invalid(Where(path, *node), "\"" + std::string(key) + "\" must be a string"));
  }
  out = node->value<std::string>();
  return {};
}

util::Result<void> ReadStringOrList(const toml::table& table, const char* key,
                                    const std::string& path, std::optional<std::string>& out) {
  const toml::node* node = table.get(key);
  if (node == nullptr || node->is_string()) return ReadString(table, key, path, out);
  if (const toml::array* array = node->as_array()) {
    std::vector<std::string> items;
    for (const auto& item : *array) {
      if (!item.is_string()) {
        return util::Fail(Invalid(Where(path, item), "\"" + std::string(key) +
                                                         "\" must hold strings"));
      }
      items.push_back(*item.value<std::string>());
    }
    out = util::Join(items, ",");
    return {};
  }
  return util::Fail(Invalid(Where(path, *node), "\"" + std::string(key) +
                                                    "\" must be a string or a list of strings"));
}

util::Result<void> CheckKeys(const toml::table& table, const std::set<std::string>& known,
                             const std::string& path, const std::string& section) {
  for (const auto& [key, node] : table) {
    if (known.count(std::string(key.str()))) continue;
    std::vector<std::string> names(known.begin(), known.end());
    return util::Fail(Invalid(Where(path, node),
                              "unknown key \"" + std::string(key.str()) + "\"" + section +
                                  " (known: " + util::Join(names, ", ") + ")"));
  }
  return {};
}

util::Result<void> ReadStringList(const toml::table& table, const char* key,
                                  const std::string& path, std::vector<std::string>& out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return {};
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    return util::Fail(Invalid(Where(path, *node), "\"" + std::string(key) +
                                                      "\" must be a list of strings"));
  }
  for (const auto& item : *array) {
    if (!item.is_string()) {
      return util::Fail(Invalid(Where(path, item), "\"" + std::string(key) +
                                                       "\" must hold strings"));
    }
    out.push_back(*item.value<std::string>());
  }
  return {};
}

util::Result<void> ReadBool(const toml::table& table, const char* key, const std::string& path,
                            bool& out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return {};
  if (!node->is_boolean()) {
    return util::Fail(Invalid(Where(path, *node), "\"" + std::string(key) +
                                                      "\" must be true or false"));
  }
  out = *node->value<bool>();
  return {};
}

util::Result<MailConfig> ReadMail(const toml::table& table, const std::string& path,
                                  const std::string& origin) {
  static const std::set<std::string> kKnown = {
      "hostname",      "domains",   "domains_file", "domains_command", "labels",
      "mta_sts_domains", "additional_names", "only_hostname", "sni", "key_types", "profile",
      "challenge",     "drop_failing_names", "own_addresses", "skip_ip_check",
      "skip_http_check", "dns_servers", "caa_identities", "http_check_port", "check_listen"};
  MC_RETURN_IF_ERROR(CheckKeys(table, kKnown, path, " in [mail]"));
  MailConfig mail;
  mail.origin = origin;
  MC_RETURN_IF_ERROR(ReadString(table, "hostname", path, mail.hostname));
  if (table.get("domains") != nullptr) {
    mail.domains.emplace();
    MC_RETURN_IF_ERROR(ReadStringList(table, "domains", path, *mail.domains));
  }
  MC_RETURN_IF_ERROR(ReadString(table, "domains_file", path, mail.domains_file));
  MC_RETURN_IF_ERROR(ReadString(table, "domains_command", path, mail.domains_command));
  const int sources = mail.domains.has_value() + mail.domains_file.has_value() +
                      mail.domains_command.has_value();
  if (sources > 1) {
    return util::Fail(Invalid(origin, "[mail] takes one of domains, domains_file and "
                                      "domains_command, not several"));
  }
  if (table.get("labels") != nullptr) {
    mail.labels.emplace();
    MC_RETURN_IF_ERROR(ReadStringList(table, "labels", path, *mail.labels));
  }
  MC_RETURN_IF_ERROR(ReadStringList(table, "mta_sts_domains", path, mail.mta_sts_domains));
  MC_RETURN_IF_ERROR(ReadStringList(table, "additional_names", path, mail.additional_names));
  MC_RETURN_IF_ERROR(ReadBool(table, "only_hostname", path, mail.only_hostname));
  MC_RETURN_IF_ERROR(ReadBool(table, "sni", path, mail.sni));
  if (table.get("key_types") != nullptr) {
    mail.key_types.emplace();
    MC_RETURN_IF_ERROR(ReadStringList(table, "key_types", path, *mail.key_types));
  }
  std::optional<std::string> text;
  MC_RETURN_IF_ERROR(ReadString(table, "profile", path, text));
  mail.profile = text.value_or("");
  text.reset();
  MC_RETURN_IF_ERROR(ReadString(table, "challenge", path, text));
  mail.challenge = text.value_or("http-01");
  if (mail.challenge != "http-01" && mail.challenge != "dns-01") {
    return util::Fail(Invalid(origin, "challenge must be \"http-01\" or \"dns-01\""));
  }
  MC_RETURN_IF_ERROR(ReadBool(table, "drop_failing_names", path, mail.drop_failing_names));
  MC_RETURN_IF_ERROR(ReadStringList(table, "own_addresses", path, mail.own_addresses));
  MC_RETURN_IF_ERROR(ReadBool(table, "skip_ip_check", path, mail.skip_ip_check));
  MC_RETURN_IF_ERROR(ReadBool(table, "skip_http_check", path, mail.skip_http_check));
  MC_RETURN_IF_ERROR(ReadStringList(table, "dns_servers", path, mail.dns_servers));
  if (table.get("caa_identities") != nullptr) {
    mail.caa_identities.clear();
    MC_RETURN_IF_ERROR(ReadStringList(table, "caa_identities", path, mail.caa_identities));
  }
  if (const toml::node* node = table.get("http_check_port")) {
    auto value = node->value<int64_t>();
    if (!node->is_integer() || !value || *value < 1 || *value > 65535) {
      return util::Fail(Invalid(Where(path, *node), "\"http_check_port\" must be a port number"));
    }
    mail.http_check_port = static_cast<int>(*value);
  }
  text.reset();
  MC_RETURN_IF_ERROR(ReadString(table, "check_listen", path, text));
  if (text) mail.check_listen = *text;
  return mail;
}

// Commands: a string (run with /bin/sh -c), a list of arguments, or a list of such lists.
util::Result<std::vector<std::vector<std::string>>> ReadCommands(const toml::node& node,
                                                                 const std::string& path,
                                                                 const std::string& key) {
  std::vector<std::vector<std::string>> commands;
  auto one = [&](const toml::node& item) -> util::Result<void> {
    if (item.is_string()) {
      commands.push_back({"/bin/sh", "-c", *item.value<std::string>()});
      return {};
    }
    const toml::array* argv = item.as_array();
    if (argv == nullptr || argv->empty()) {
      return util::Fail(Invalid(Where(path, item), "\"" + key + "\" takes a command: a string "
                                                   "or a list of arguments"));
    }
    std::vector<std::string> words;
    for (const auto& word : *argv) {
      if (!word.is_string()) {
        return util::Fail(Invalid(Where(path, word), "\"" + key + "\" arguments must be strings"));
      }
      words.push_back(*word.value<std::string>());
    }
    commands.push_back(std::move(words));
    return {};
  };
  // "postfix reload" is one shell command; ["postfix", "reload"] one argument list;
  // [["postmap", "-F", "hash:x"], ["postfix", "reload"]] several commands in order.
  const toml::array* array = node.as_array();
  if (array != nullptr && !array->empty() && array->front().is_array()) {
    for (const auto& item : *array) MC_RETURN_IF_ERROR(one(item));
    return commands;
  }
  MC_RETURN_IF_ERROR(one(node));
  return commands;
}

util::Result<DeployConfig> ReadDeploy(const toml::table& table, const std::string& path,
                                      const std::string& origin) {
  static const std::set<std::string> kKnown = {
      "type", "name", "certificates", "server", "dir", "sni", "dovecot_version",
      "postfix_config_dir", "nginx_config", "dovecot_config", "mailcow_dir", "mode",
      "cert_path", "key_path", "alt_cert_path", "alt_key_path", "letsencrypt_dir", "fqdn",
      "prepare", "reload", "endpoints", "verify_timeout", "ca_bundle", "owner", "group",
      "chain_path", "fullchain_path", "combined_path", "cert_mode", "key_mode", "hook",
      "dane_ports", "dns_servers"};
  MC_RETURN_IF_ERROR(CheckKeys(table, kKnown, path, " in [[deploy]]"));
  DeployConfig deploy;
  deploy.origin = origin;
  std::optional<std::string> text;
  auto string = [&](const char* key, std::string& out) -> util::Result<void> {
    text.reset();
    MC_RETURN_IF_ERROR(ReadString(table, key, path, text));
    if (text) out = *text;
    return {};
  };
  MC_RETURN_IF_ERROR(string("type", deploy.type));
  static const std::set<std::string> kTypes = {"postfix", "dovecot", "nginx", "mailcow",
                                               "docker-mailserver", "files"};
  if (!kTypes.count(deploy.type)) {
    return util::Fail(Invalid(origin, "[[deploy]] type must be postfix, dovecot, nginx, mailcow, "
                                      "docker-mailserver or files"));
  }
  deploy.name = deploy.type;
  MC_RETURN_IF_ERROR(string("name", deploy.name));
  MC_RETURN_IF_ERROR(ReadStringList(table, "certificates", path, deploy.certificates));
  MC_RETURN_IF_ERROR(string("server", deploy.server));
  MC_RETURN_IF_ERROR(string("dir", deploy.dir));
  MC_RETURN_IF_ERROR(ReadBool(table, "sni", path, deploy.sni));
  MC_RETURN_IF_ERROR(string("dovecot_version", deploy.dovecot_version));
  MC_RETURN_IF_ERROR(string("postfix_config_dir", deploy.postfix_config_dir));
  MC_RETURN_IF_ERROR(string("nginx_config", deploy.nginx_config));
  MC_RETURN_IF_ERROR(string("dovecot_config", deploy.dovecot_config));
  MC_RETURN_IF_ERROR(string("mailcow_dir", deploy.mailcow_dir));
  MC_RETURN_IF_ERROR(string("mode", deploy.dms_mode));
  MC_RETURN_IF_ERROR(string("cert_path", deploy.cert_path));
  MC_RETURN_IF_ERROR(string("key_path", deploy.key_path));
  MC_RETURN_IF_ERROR(string("alt_cert_path", deploy.alt_cert_path));
  MC_RETURN_IF_ERROR(string("alt_key_path", deploy.alt_key_path));
  MC_RETURN_IF_ERROR(string("letsencrypt_dir", deploy.letsencrypt_dir));
  MC_RETURN_IF_ERROR(string("fqdn", deploy.fqdn));
  MC_RETURN_IF_ERROR(string("ca_bundle", deploy.ca_bundle));
  MC_RETURN_IF_ERROR(string("chain_path", deploy.chain_path));
  MC_RETURN_IF_ERROR(string("fullchain_path", deploy.fullchain_path));
  MC_RETURN_IF_ERROR(string("combined_path", deploy.combined_path));
  MC_RETURN_IF_ERROR(string("cert_mode", deploy.cert_mode));
  MC_RETURN_IF_ERROR(string("key_mode", deploy.key_mode));
  MC_RETURN_IF_ERROR(string("owner", deploy.owner));
  MC_RETURN_IF_ERROR(string("group", deploy.group));
  if (const toml::node* node = table.get("prepare")) {
    MC_ASSIGN_OR_RETURN(deploy.prepare, ReadCommands(*node, path, "prepare"));
  }
  if (const toml::node* node = table.get("reload")) {
    MC_ASSIGN_OR_RETURN(deploy.reload, ReadCommands(*node, path, "reload"));
  }
  if (const toml::node* node = table.get("hook")) {  // the files target's name for it
    MC_ASSIGN_OR_RETURN(deploy.reload, ReadCommands(*node, path, "hook"));
  }
  MC_RETURN_IF_ERROR(ReadStringList(table, "endpoints", path, deploy.endpoints));
  if (const toml::node* node = table.get("verify_timeout")) {
    auto value = node->value<int64_t>();
    if (!node->is_integer() || !value || *value < 1 || *value > 3600) {
      return util::Fail(Invalid(Where(path, *node), "\"verify_timeout\" must be seconds, 1 to 3600"));
    }
    deploy.verify_timeout = static_cast<int>(*value);
  }
  if (const toml::node* node = table.get("dane_ports")) {
    const toml::array* array = node->as_array();
    auto bad = [&] {
      return util::Fail(Invalid(Where(path, *node),
                                "\"dane_ports\" must be a list of ports, 1 to 65535 ([25]; [] "
                                "turns the DANE guard off)"));
    };
    if (array == nullptr) return bad();
    deploy.dane_ports.emplace();
    for (const auto& item : *array) {
      auto port = item.value<int64_t>();
      if (!item.is_integer() || !port || *port < 1 || *port > 65535) return bad();
      deploy.dane_ports->push_back(static_cast<int>(*port));
    }
  }
  MC_RETURN_IF_ERROR(ReadStringList(table, "dns_servers", path, deploy.dns_servers));
  return deploy;
}

util::Result<void> ReadChallenge(const toml::table& table, const std::string& path,
                                 std::optional<std::string>& out) {
  MC_RETURN_IF_ERROR(ReadString(table, "challenge", path, out));
  if (out && *out != "http-01" && *out != "dns-01") {
    return util::Fail(Invalid(Where(path, *table.get("challenge")),
                              "\"challenge\" must be \"http-01\" or \"dns-01\""));
  }
  return {};
}

util::Result<CertificateConfig> ReadCertificate(const toml::table& table, const std::string& path,
                                                const std::string& origin) {
  static const std::set<std::string> kKnown = {"name",    "domains",     "key_type",
                                               "preferred_chain", "webroot", "http_listen",
                                               "challenge"};
  MC_RETURN_IF_ERROR(CheckKeys(table, kKnown, path, " in [[certificate]]"));
  CertificateConfig certificate;
  certificate.origin = origin;
  std::optional<std::string> name;
  MC_RETURN_IF_ERROR(ReadString(table, "name", path, name));
  certificate.name = name.value_or("");
  const toml::node* domains = table.get("domains");
  const toml::array* array = domains ? domains->as_array() : nullptr;
  if (array == nullptr || array->empty()) {
    return util::Fail(Invalid(origin, "[[certificate]] needs domains = [\"mail.example.org\", …]"));
  }
  for (const auto& item : *array) {
    if (!item.is_string() || item.value<std::string>()->empty()) {
      return util::Fail(Invalid(Where(path, item), "\"domains\" must hold non-empty strings"));
    }
    certificate.domains.push_back(*item.value<std::string>());
  }
  MC_RETURN_IF_ERROR(ReadString(table, "key_type", path, certificate.key_type));
  MC_RETURN_IF_ERROR(ReadString(table, "preferred_chain", path, certificate.preferred_chain));
  MC_RETURN_IF_ERROR(ReadString(table, "webroot", path, certificate.webroot));
  MC_RETURN_IF_ERROR(ReadStringOrList(table, "http_listen", path, certificate.http_listen));
  MC_RETURN_IF_ERROR(ReadChallenge(table, path, certificate.challenge));
  return certificate;
}

}  // namespace

util::Result<FileConfig> ParseConfig(const std::string& text, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    return util::Fail(Invalid(path + ":" + std::to_string(begin.line) + ":" +
                                  std::to_string(begin.column),
                              std::string(error.description())));
  }
  static const std::set<std::string> kKnown = {
      "server",      "staging",  "ca_bundle",    "state_dir",         "email",
      "eab_kid",     "eab_hmac_key", "eab_hmac_key_file", "http_listen", "webroot",
      "key_type",    "preferred_chain", "concurrency", "certificate", "mail", "deploy",
      "alert_command", "dns", "challenge"};
  MC_RETURN_IF_ERROR(CheckKeys(root, kKnown, path, ""));

  FileConfig config;
  config.path = path;
  MC_RETURN_IF_ERROR(ReadString(root, "server", path, config.server));
  MC_RETURN_IF_ERROR(ReadString(root, "ca_bundle", path, config.ca_bundle));
  MC_RETURN_IF_ERROR(ReadString(root, "state_dir", path, config.state_dir));
  MC_RETURN_IF_ERROR(ReadString(root, "email", path, config.email));
  MC_RETURN_IF_ERROR(ReadString(root, "eab_kid", path, config.eab_kid));
  MC_RETURN_IF_ERROR(ReadString(root, "eab_hmac_key", path, config.eab_hmac_key));
  MC_RETURN_IF_ERROR(ReadString(root, "eab_hmac_key_file", path, config.eab_hmac_key_file));
  MC_RETURN_IF_ERROR(ReadStringOrList(root, "http_listen", path, config.http_listen));
  MC_RETURN_IF_ERROR(ReadString(root, "webroot", path, config.webroot));
  MC_RETURN_IF_ERROR(ReadString(root, "key_type", path, config.key_type));
  MC_RETURN_IF_ERROR(ReadString(root, "preferred_chain", path, config.preferred_chain));
  MC_RETURN_IF_ERROR(ReadChallenge(root, path, config.challenge));
  if (const toml::node* node = root.get("staging")) {
    if (!node->is_boolean()) {
      return util::Fail(Invalid(Where(path, *node), "\"staging\" must be true or false"));
    }
    config.staging = node->value<bool>();
  }
  if (const toml::node* node = root.get("concurrency")) {
    auto value = node->value<int64_t>();
    if (!node->is_integer() || !value || *value < 1 || *value > 1000) {
      return util::Fail(Invalid(Where(path, *node),
                                "\"concurrency\" must be an integer from 1 to 1000"));
    }
    config.concurrency = static_cast<int>(*value);
  }
  if (const toml::node* node = root.get("mail")) {
    if (!node->is_table()) {
      return util::Fail(Invalid(Where(path, *node), "\"mail\" must be a [mail] table"));
    }
    MC_ASSIGN_OR_RETURN(config.mail, ReadMail(*node->as_table(), path, Where(path, *node)));
  }
  if (const toml::node* node = root.get("alert_command")) {
    MC_ASSIGN_OR_RETURN(auto commands, ReadCommands(*node, path, "alert_command"));
    if (commands.size() != 1) {
      return util::Fail(Invalid(Where(path, *node), "\"alert_command\" takes one command"));
    }
    config.alert_command = commands.front();
  }
  if (const toml::node* node = root.get("deploy")) {
    const toml::array* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      return util::Fail(Invalid(Where(path, *node),
                                "\"deploy\" must be written as [[deploy]] tables"));
    }
    for (const auto& item : *array) {
      MC_ASSIGN_OR_RETURN(DeployConfig deploy, ReadDeploy(*item.as_table(), path, Where(path, item)));
      config.deploy.push_back(std::move(deploy));
    }
  }
  if (const toml::node* node = root.get("dns")) {
    const toml::array* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      return util::Fail(Invalid(Where(path, *node), "\"dns\" must be written as [[dns]] tables"));
    }
    for (const auto& item : *array) {
      MC_ASSIGN_OR_RETURN(DnsConfig dns,
                          internal::ReadDnsTable(*item.as_table(), path, Where(path, item)));
      config.dns.push_back(std::move(dns));
    }
  }
  if (const toml::node* node = root.get("certificate")) {
    const toml::array* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      return util::Fail(Invalid(Where(path, *node),
                                "\"certificate\" must be written as [[certificate]] tables"));
    }
    for (const auto& item : *array) {
      MC_ASSIGN_OR_RETURN(CertificateConfig certificate,
                          ReadCertificate(*item.as_table(), path, Where(path, item)));
      config.certificates.push_back(std::move(certificate));
    }
  }
  return config;
}

util::Result<FileConfig> LoadConfigFile(const std::string& path) {
  auto text = sys::RealFs().ReadFile(path);
  if (!text) {
    return util::Fail(text.error().code,
                      "config file " + text.error().message + " — check --config");
  }
  return ParseConfig(*text, path);
}

}  // namespace mailcert::cli
