#include "cli/dns_setup.h"

#include <algorithm>

#include "challenge/dns_provider_factory.h"
#include "challenge/dns_settings.h"
#include "cli/session.h"
#include "dns/name.h"
#include "dns/server_address.h"
#include "sys/fs.h"
#include "sys/process.h"
#include "util/log.h"
#include "util/strings.h"

namespace mailcert::cli {
namespace {

util::Error Invalid(const std::string& message) {
  return util::Error{util::ErrorCode::kInvalidInput, message, {}};
}

util::Result<std::vector<dns::ServerAddress>> Addresses(const std::vector<std::string>& texts,
                                                        const std::string& where) {
  std::vector<dns::ServerAddress> addresses;
  for (const std::string& text : texts) {
    auto address = dns::ParseServerAddress(text);
    if (!address) return util::Fail(address.error().WithContext(where));
    addresses.push_back(*address);
  }
  return addresses;
}

// The credentials file's values fill in what the table does not set itself.
util::Result<void> ReadCredentials(const std::string& path, const std::string& origin,
                                   challenge::ProviderSettings& settings) {
  std::vector<std::string> warnings;
  auto read = challenge::ReadCredentialsFile(sys::RealFs(), path, warnings);
  if (!read) return util::Fail(origin.empty() ? read.error() : read.error().WithContext(origin));
  for (const std::string& warning : warnings) util::LogWarning(warning);
  for (auto& [key, value] : *read) settings.emplace(key, std::move(value));
  return {};
}

// Settings written into the config: known to the provider (when it is one of ours), and no
// secret unless only the owner may read the config.
util::Result<void> CheckInlineSettings(const DnsConfig& table, const std::string& config_path) {
  const std::vector<std::string> known = challenge::CoreProviderSettings(table.provider);
  for (const auto& [key, value] : table.settings) {
    if (!known.empty() && std::find(known.begin(), known.end(), key) == known.end()) {
      return util::Fail(Invalid(table.origin + ": unknown setting \"" + key + "\" for provider " +
                                table.provider + " (known: " + util::Join(known, ", ") + ")"));
    }
    if (!challenge::IsSecretSetting(key)) continue;
    auto stat = sys::RealFs().Stat(config_path);
    if (stat && (stat->mode & 077) != 0) {
      return util::Fail(Invalid(table.origin + ": \"" + key + "\" is a secret, but " +
                                config_path + " may be read by other users: move it into a "
                                "credentials_file, or `chmod 600 " + config_path + "`"));
    }
  }
  return {};
}

util::Result<challenge::DnsRoute> RouteFrom(const DnsConfig& table, const std::string& config_path) {
  MC_RETURN_IF_ERROR(CheckInlineSettings(table, config_path));
  challenge::DnsRoute route;
  route.origin = table.origin;
  route.zones = table.zones;
  route.domains = table.domains;
  route.provider = table.provider;
  route.settings = table.settings;
  route.credentials_file = table.credentials_file;
  if (!table.credentials_file.empty()) {
    MC_RETURN_IF_ERROR(ReadCredentials(table.credentials_file, table.origin, route.settings));
  }
  if (table.propagation_timeout) {
    route.propagation_timeout = std::chrono::seconds(*table.propagation_timeout);
  }
  route.check_authoritative = table.check_authoritative;
  MC_ASSIGN_OR_RETURN(route.resolvers, Addresses(table.resolvers, table.origin + ": resolvers"));
  for (const auto& [host, texts] : table.nameserver_addresses) {
    MC_ASSIGN_OR_RETURN(route.nameserver_addresses[host],
                        Addresses(texts, table.origin + ": nameserver_addresses"));
  }
  return route;
}

}  // namespace

util::Result<std::vector<challenge::DnsRoute>> DnsRoutes(const Settings& settings,
                                                         const std::string& provider,
                                                         const std::string& credentials_file) {
  std::vector<challenge::DnsRoute> routes;
  if (settings.file) {
    for (const DnsConfig& table : settings.file->dns) {
      MC_ASSIGN_OR_RETURN(challenge::DnsRoute route, RouteFrom(table, settings.file->path));
      routes.push_back(std::move(route));
    }
  }
  if (provider.empty()) return routes;
  // A provider given on the command line (or recorded from one) wins over every table's: the
  // tables keep what they cover and how propagation is checked.
  challenge::ProviderSettings given;
  if (!credentials_file.empty()) {
    MC_RETURN_IF_ERROR(ReadCredentials(credentials_file, "", given));
  }
  if (routes.empty()) routes.emplace_back();
  for (challenge::DnsRoute& route : routes) {
    route.origin = (credentials_file.empty() ? "--dns" : credentials_file) +
                   (route.origin.empty() ? "" : ", " + route.origin);
    route.provider = provider;
    route.settings = given;
    route.credentials_file = credentials_file;
  }
  return routes;
}

util::Result<std::unique_ptr<challenge::Dns01Solver>> MakeDns01Solver(
    std::vector<challenge::DnsRoute> routes, const std::string& state_dir,
    net::HttpClient& http) {
  challenge::Dns01Deps deps;
  deps.make_provider = challenge::MakeDnsProvider;
  deps.fs = &sys::RealFs();
  deps.http = &http;
  deps.runner = &sys::RealProcessRunner();
  deps.state_dir = state_dir;
  return challenge::Dns01Solver::Create(std::move(routes), std::move(deps));
}

std::string DnsPlacement::Summary() const {
  if (!problem.empty()) return problem;
  if (zone.empty()) return "via " + route;
  std::string summary;
  if (!target.empty()) summary = "CNAME to " + target + ", ";
  return summary + "zone " + zone + " via " + provider;
}

util::Result<std::map<std::string, DnsPlacement>> PlaceDnsRecords(
    const Settings& settings, const std::string& provider, const std::string& credentials_file,
    const std::vector<std::string>& names, bool look_up) {
  MC_ASSIGN_OR_RETURN(auto routes, DnsRoutes(settings, provider, credentials_file));
  std::map<std::string, DnsPlacement> placements;
  if (!look_up) {
    for (const std::string& name : names) {
      auto route = challenge::PickRoute(routes, name, dns::StripWildcard(name));
      placements[name].route = route ? routes[*route].Label() : "";
      if (!route) placements[name].problem = "no [[dns]] table covers " + name;
    }
    return placements;
  }
  MC_ASSIGN_OR_RETURN(auto http, net::MakeHttpClient(DefaultHttpOptions("")));
  MC_ASSIGN_OR_RETURN(auto solver, MakeDns01Solver(std::move(routes), settings.state_dir, *http));
  for (const std::string& name : names) {
    DnsPlacement& placement = placements[name];
    auto located = solver->Locate(name);
    if (!located) {
      placement.problem = located.error().message;
      continue;
    }
    placement.route = located->route;
    placement.provider = located->provider;
    if (located->target != located->record_name) placement.target = located->target;
    placement.zone = located->zone;
  }
  return placements;
}

}  // namespace mailcert::cli
