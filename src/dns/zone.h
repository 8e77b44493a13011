#pragma once
// Zones and their authoritative servers, for DNS-01: where a TXT record must be written (the
// zone holding the name, after following _acme-challenge aliases) and which servers must serve
// it before the CA looks (every authoritative server, since the CA validates from several
// vantage points that may reach any of them).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.h"
#include "dns/response.h"
#include "dns/server_address.h"

namespace mailcert::dns {

struct ZoneInfo {
  std::string zone;  // the SOA owner: "example.com"
  SoaRecord soa;     // mname is the primary master, where RFC 2136 updates go (§4)
};

// The zone that holds `name`: walks up from the name itself towards the root and returns the
// first name that owns an SOA record (RFC 2136 §4, RFC 1034 §4.3.2). A negative answer's SOA in
// the authority section names the zone directly (RFC 2308 §2.2) and saves the remaining steps.
// A name that is an alias (CNAME) cannot be a zone apex, so the walk goes on past it; callers
// that want the alias target follow it first (FollowCnames).
// Errors: the QueryError of the first failed step (SERVFAIL, REFUSED, timeout...), or
// kInconsistent when no SOA is found up to the root.
QueryResult<ZoneInfo> FindZone(Resolver& resolver, std::string_view name);

// Follows the CNAME chain that starts at `name` (RFC 1034 §3.6.2), one query per hop so it
// works whether or not the resolver chases aliases itself. Returns the final name: `name` itself
// when it is no alias or does not exist. With dns-01 this is where an `_acme-challenge` record
// must be written when it is delegated (acme-dns style setups).
// Errors: the QueryError of a failed hop; kInconsistent for a loop or more than `max_hops`.
QueryResult<std::string> FollowCnames(Resolver& resolver, std::string_view name, int max_hops = 8);

// One authoritative name server of a zone and the addresses to ask it at.
struct NameServer {
  std::string host;                      // the NS target: "ns1.example.com"
  std::vector<ServerAddress> addresses;  // IPv4 first, then IPv6
  std::string problem;                   // non-empty when its addresses could not all be found
};

struct AuthorityOptions {
  uint16_t port = kDnsPort;  // port to ask the servers on (tests run servers on other ports)
  // Addresses to use instead of looking up a host's A/AAAA records ("ns2.example.test" →
  // 127.0.0.1:5301): split-horizon setups and servers on one test machine.
  std::map<std::string, std::vector<ServerAddress>> address_overrides;
};

// The zone's NS records (asked through `resolver`) and each server's A and AAAA addresses.
// A server whose addresses cannot be found stays in the list with `problem` set, so a
// propagation check can report it rather than silently skip it.
// Errors: the QueryError of the NS query; kInconsistent when the zone has no NS records.
QueryResult<std::vector<NameServer>> AuthoritativeServers(Resolver& resolver, std::string_view zone,
                                                          const AuthorityOptions& options = {});

// The answer of one server at one address.
struct ServerAnswer {
  std::string host;
  ServerAddress address;
  QueryResult<Response> result;
};

// Asks every address of every server for `name`/`type` directly with RD=0 (in parallel), so a
// caller sees what each one serves now. Results are in the order of `servers` and their
// addresses; a server without addresses contributes nothing (see NameServer::problem).
std::vector<ServerAnswer> QueryEachAuthoritative(Resolver& resolver,
                                                 const std::vector<NameServer>& servers,
                                                 std::string_view name, RrType type);

}  // namespace mailcert::dns
