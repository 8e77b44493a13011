#include "cli/config_dns.h"

#include "util/strings.h"

namespace mailcert::cli::internal {
namespace {

// A string or a list of strings.
util::Result<std::vector<std::string>> Strings(const toml::node& node, const std::string& path,
                                               const std::string& key) {
  if (auto text = node.value<std::string>(); text && node.is_string()) return std::vector{*text};
  const toml::array* array = node.as_array();
  if (array == nullptr) {
    return util::Fail(Invalid(Where(path, node), "\"" + key + "\" must be a list of strings"));
  }
  std::vector<std::string> values;
  for (const auto& item : *array) {
    if (!item.is_string() || item.value<std::string>()->empty()) {
      return util::Fail(Invalid(Where(path, item), "\"" + key + "\" must hold non-empty strings"));
    }
    values.push_back(*item.value<std::string>());
  }
  return values;
}

}  // namespace

util::Result<DnsConfig> ReadDnsTable(const toml::table& table, const std::string& path,
                                     const std::string& origin) {
  DnsConfig dns;
  dns.origin = origin;
  for (const auto& [key_text, node] : table) {
    const std::string key(key_text.str());
    if (key == "zones" || key == "domains" || key == "resolvers") {
      MC_ASSIGN_OR_RETURN(auto values, Strings(node, path, key));
      for (auto& value : values) {
        if (key == "resolvers") {
          dns.resolvers.push_back(std::move(value));
        } else {
          std::string name = util::ToLower(value);
          if (!name.empty() && name.back() == '.') name.pop_back();
          (key == "zones" ? dns.zones : dns.domains).push_back(name);
        }
      }
    } else if (key == "provider" || key == "credentials_file") {
      if (!node.is_string() || node.value<std::string>()->empty()) {
        return util::Fail(Invalid(Where(path, node), "\"" + key + "\" must be a non-empty string"));
      }
      (key == "provider" ? dns.provider : dns.credentials_file) = *node.value<std::string>();
    } else if (key == "propagation_timeout") {
      auto value = node.value<int64_t>();
      if (!node.is_integer() || !value || *value < 1 || *value > 3600) {
        return util::Fail(Invalid(Where(path, node),
                                  "\"propagation_timeout\" must be seconds, 1 to 3600"));
      }
      dns.propagation_timeout = static_cast<int>(*value);
    } else if (key == "check_authoritative") {
      if (!node.is_boolean()) {
        return util::Fail(Invalid(Where(path, node),
                                  "\"check_authoritative\" must be true or false"));
      }
      dns.check_authoritative = *node.value<bool>();
    } else if (key == "nameserver_addresses") {
      const toml::table* hosts = node.as_table();
      if (hosts == nullptr) {
        return util::Fail(Invalid(Where(path, node),
                                  "\"nameserver_addresses\" must be a table: { \"ns1.example.org\" "
                                  "= [\"192.0.2.53\", \"[2001:db8::53]:53\"] }"));
      }
      for (const auto& [host, addresses] : *hosts) {
        MC_ASSIGN_OR_RETURN(auto values, Strings(addresses, path, "nameserver_addresses"));
        std::string name = util::ToLower(host.str());
        if (!name.empty() && name.back() == '.') name.pop_back();
        dns.nameserver_addresses[name] = std::move(values);
      }
    } else if (node.is_string()) {
      dns.settings[key] = *node.value<std::string>();
    } else if (node.is_integer()) {
      dns.settings[key] = std::to_string(*node.value<int64_t>());
    } else {
      return util::Fail(Invalid(Where(path, node),
                                "\"" + key + "\" in [[dns]] is a provider setting and must be a "
                                "string or a number"));
    }
  }
  if (dns.provider.empty()) {
    return util::Fail(Invalid(origin, "[[dns]] needs provider = \"rfc2136\", \"powerdns\", "
                                      "\"hook\" or one of the HTTP-API providers"));
  }
  return dns;
}

}  // namespace mailcert::cli::internal
