#include "challenge/dns_routes.h"

#include <algorithm>

#include "dns/name.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

// Length of the longest entry of `entries` that `name` lies within, plus one so that an exact
// top-level match beats "no entries"; -1 when none matches.
int LongestMatch(const std::vector<std::string>& entries, std::string_view name) {
  int best = -1;
  for (const std::string& entry : entries) {
    if (dns::IsWithin(name, entry)) best = std::max(best, static_cast<int>(entry.size()) + 1);
  }
  return best;
}

}  // namespace

std::string DnsRoute::Key() const {
  std::string key = provider;
  if (!zones.empty()) key += " zones=" + util::Join(zones, ",");
  if (!domains.empty()) key += " domains=" + util::Join(domains, ",");
  if (!credentials_file.empty()) key += " credentials=" + credentials_file;
  return key;
}

std::string DnsRoute::Label() const {
  return origin.empty() ? provider : provider + " (" + origin + ")";
}

std::optional<size_t> PickRoute(const std::vector<DnsRoute>& routes, std::string_view identifier,
                                std::string_view zone) {
  const std::string base = dns::StripWildcard(identifier);
  std::optional<size_t> chosen;
  int chosen_score = -1;
  for (size_t i = 0; i < routes.size(); ++i) {
    const DnsRoute& route = routes[i];
    int score = -1;
    if (route.zones.empty() && route.domains.empty()) {
      score = 0;  // the default route
    } else {
      score = std::max(LongestMatch(route.zones, zone), LongestMatch(route.domains, base));
    }
    if (score > chosen_score) {
      chosen = i;
      chosen_score = score;
    }
  }
  return chosen;
}

std::string DescribeCoverage(const std::vector<DnsRoute>& routes) {
  std::vector<std::string> covered;
  for (const DnsRoute& route : routes) {
    if (route.zones.empty() && route.domains.empty()) return "every name";
    for (const auto& zone : route.zones) covered.push_back(zone);
    for (const auto& domain : route.domains) covered.push_back(domain);
  }
  return covered.empty() ? "nothing" : util::Join(covered, ", ");
}

}  // namespace mailcert::challenge
