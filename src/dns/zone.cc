#include "dns/zone.h"

#include <algorithm>
#include <set>

#include "dns/name.h"
#include "util/parallel.h"

namespace mailcert::dns {
namespace {

constexpr size_t kMaxParallelQueries = 8;

tl::unexpected<QueryError> InvalidName(std::string_view name, RrType type,
                                       const util::Error& error) {
  QueryError query_error = MakeQueryError(QueryFailure::kInvalidName, name, type, "", "");
  query_error.message = error.message;
  return tl::unexpected(std::move(query_error));
}

const Record* FindOwned(const std::vector<Record>& records, const std::string& owner, RrType type) {
  for (const Record& record : records) {
    if (record.type == type && record.name == owner) return &record;
  }
  return nullptr;
}

}  // namespace

QueryResult<ZoneInfo> FindZone(Resolver& resolver, std::string_view name) {
  auto normalized = NormalizeName(name);
  if (!normalized) return InvalidName(name, RrType::kSoa, normalized.error());
  // A wildcard label is not a node to ask about; its zone is its base name's.
  std::string current = StripWildcard(*normalized);
  while (true) {
    auto response = resolver.Query(current, RrType::kSoa);
    if (!response) return tl::unexpected(std::move(response.error()));
    if (const Record* soa = FindOwned(response->answer, current, RrType::kSoa)) {
      return ZoneInfo{current, *soa->As<SoaRecord>()};
    }
    // An alias: the resolver answered for the target, whose zone is not ours (RFC 1034 §3.6.2).
    bool alias = FindOwned(response->answer, current, RrType::kCname) != nullptr;
    if (!alias) {
      // RFC 2308 §2.2: NXDOMAIN and NODATA answers carry the zone's SOA in the authority section.
      for (const Record& record : response->authority) {
        if (record.type == RrType::kSoa && IsWithin(current, record.name)) {
          return ZoneInfo{record.name, *record.As<SoaRecord>()};
        }
      }
    }
    if (current == ".") {
      return tl::unexpected(MakeQueryError(QueryFailure::kInconsistent, *normalized, RrType::kSoa,
                                           response->server,
                                           "no zone (SOA record) found up to the root"));
    }
    current = ParentName(current);
  }
}

QueryResult<std::string> FollowCnames(Resolver& resolver, std::string_view name, int max_hops) {
  auto normalized = NormalizeName(name);
  if (!normalized) return InvalidName(name, RrType::kCname, normalized.error());
  std::string current = *normalized;
  std::set<std::string> seen = {current};
  for (int hop = 0; hop <= max_hops; ++hop) {
    auto response = resolver.Query(current, RrType::kCname);
    if (!response) return tl::unexpected(std::move(response.error()));
    const Record* alias = FindOwned(response->answer, current, RrType::kCname);
    if (alias == nullptr) return current;
    if (hop == max_hops) break;
    std::string target = alias->As<CnameRecord>()->target;
    if (!seen.insert(target).second) {
      return tl::unexpected(MakeQueryError(QueryFailure::kInconsistent, *normalized, RrType::kCname,
                                           response->server, "CNAME loop through " + target));
    }
    current = target;
  }
  return tl::unexpected(MakeQueryError(
      QueryFailure::kInconsistent, *normalized, RrType::kCname, "",
      "CNAME chain longer than " + std::to_string(max_hops) + " hops (ends at " + current + ")"));
}

QueryResult<std::vector<NameServer>> AuthoritativeServers(Resolver& resolver, std::string_view zone,
                                                          const AuthorityOptions& options) {
  auto normalized = NormalizeName(zone);
  if (!normalized) return InvalidName(zone, RrType::kNs, normalized.error());
  auto ns = resolver.Query(*normalized, RrType::kNs);
  if (!ns) return tl::unexpected(std::move(ns.error()));
  std::vector<NameServer> servers;
  for (const Record& record : ns->answer) {
    if (record.type != RrType::kNs || record.name != *normalized) continue;
    const std::string& host = record.As<NsRecord>()->host;
    bool duplicate = std::any_of(servers.begin(), servers.end(),
                                 [&](const NameServer& known) { return known.host == host; });
    if (!duplicate) servers.push_back(NameServer{host, {}, {}});
  }
  if (servers.empty()) {
    return tl::unexpected(MakeQueryError(QueryFailure::kInconsistent, *normalized, RrType::kNs,
                                         ns->server, "the zone has no NS records"));
  }
  for (NameServer& server : servers) {
    if (auto found = options.address_overrides.find(server.host);
        found != options.address_overrides.end()) {
      server.addresses = found->second;
      continue;
    }
    std::vector<std::string> problems;
    for (RrType type : {RrType::kA, RrType::kAaaa}) {
      auto addresses = resolver.Query(server.host, type);
      if (!addresses) {
        problems.push_back(addresses.error().message);
        continue;
      }
      for (const Record& record : addresses->answer) {
        if (const ARecord* a = record.As<ARecord>()) {
          server.addresses.push_back(ServerAddress{a->address, options.port});
        } else if (const AaaaRecord* aaaa = record.As<AaaaRecord>()) {
          server.addresses.push_back(ServerAddress{aaaa->address, options.port});
        }
      }
    }
    if (!problems.empty()) {
      server.problem = problems.front();
      if (problems.size() > 1) server.problem += "; " + problems.back();
    } else if (server.addresses.empty()) {
      server.problem = server.host + " has no A or AAAA record";
    }
  }
  return servers;
}

std::vector<ServerAnswer> QueryEachAuthoritative(Resolver& resolver,
                                                 const std::vector<NameServer>& servers,
                                                 std::string_view name, RrType type) {
  std::vector<ServerAnswer> answers;
  for (const NameServer& server : servers) {
    for (const ServerAddress& address : server.addresses) {
      answers.push_back(ServerAnswer{server.host, address, Response{}});
    }
  }
  util::ParallelFor(answers.size(), kMaxParallelQueries, [&](size_t i) {
    answers[i].result =
        resolver.QueryServer(answers[i].address, name, type, Recursion::kNotDesired);
  });
  return answers;
}

}  // namespace mailcert::dns
