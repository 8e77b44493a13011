#pragma once
// Which DNS provider writes the dns-01 record of a name (issue #5: domains spread over several
// DNS accounts work in one run). Each [[dns]] table of the config is one route: the zones or
// domains it covers, the provider with its settings, and how propagation is checked. A route
// that names no zones and no domains is the default for every name no other route covers.
//
// The choice is a pure function of the configuration, the identifier and the zone the record
// goes into, so it gets table tests.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "challenge/dns_provider.h"
#include "dns/server_address.h"

namespace mailcert::challenge {

inline constexpr std::chrono::seconds kDefaultPropagationTimeout{120};

struct DnsRoute {
  std::string origin;                // "mailcert.toml:40:1", "--dns", "dns-01.conf" (messages)
  std::vector<std::string> zones;    // covers records written into these zones or below them
  std::vector<std::string> domains;  // covers identifiers at or below these names
  std::string provider;              // "rfc2136", "powerdns", "hook", "dns_cf", …
  ProviderSettings settings;         // inline settings and the credentials file's: secrets
  std::string credentials_file;      // where the secrets came from (messages, journal)
  std::chrono::seconds propagation_timeout = kDefaultPropagationTimeout;
  // true: wait until every authoritative server serves the record (RFC 8555 §8.4 leaves the
  // vantage point to the CA, and CAs ask from several). false (split horizon, where this host
  // cannot reach the public servers): wait until `resolvers` serve it instead.
  bool check_authoritative = true;
  std::vector<dns::ServerAddress> resolvers;  // zone and NS lookups; empty: /etc/resolv.conf
  // Addresses of name servers to ask instead of their A/AAAA records (split horizon, servers on
  // one test host distinguished by port).
  std::map<std::string, std::vector<dns::ServerAddress>> nameserver_addresses;

  // A stable name of the route built from the provider, what it covers and its credentials
  // file (never a secret): the crash journal records it so a later run finds the same route.
  std::string Key() const;
  // "rfc2136 (mailcert.toml:40:1)" for messages.
  std::string Label() const;
};

// The route for the record of `identifier` ("*.example.org" or "mail.example.org") written into
// `zone`: the one whose zones or domains entry matches the longest suffix (a zone entry matches
// `zone`, a domain entry the identifier without "*."); a route without entries matches
// everything with the shortest possible match; on a tie the earlier route wins. Before the zone
// is known, pass the identifier's own name as `zone`.
// Returns nullopt when no route covers the name.
std::optional<size_t> PickRoute(const std::vector<DnsRoute>& routes, std::string_view identifier,
                                std::string_view zone);

// "example.org, example.net" or "every name": what the routes cover, for a message saying none
// covers a name.
std::string DescribeCoverage(const std::vector<DnsRoute>& routes);

}  // namespace mailcert::challenge
