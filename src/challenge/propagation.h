#pragma once
// Waiting until a dns-01 TXT record can be seen by the CA. A CA validates from several vantage
// points, each of which may reach any authoritative server of the zone, so the record must be on
// every one of them, over IPv4 and IPv6 (ca-and-mail-tls-landscape-2026.md §1). We ask each
// server directly (RD=0) at each of its addresses, polling with backoff until all serve the
// value or the time is up; no blind fixed sleep. While waiting, the servers that lag are
// reported, so an administrator sees which secondary does not take the zone transfer.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "dns/resolver.h"
#include "dns/server_address.h"
#include "dns/zone.h"
#include "util/result.h"

namespace mailcert::challenge {

struct PropagationOptions {
  std::chrono::milliseconds timeout{120000};
  // Poll delays: the first, each next one `backoff` times longer, at most `max_delay`.
  std::chrono::milliseconds first_delay{250};
  double backoff = 1.5;
  std::chrono::milliseconds max_delay{5000};
  // Lagging servers are reported once the wait is this long, then whenever the set of lagging
  // servers changes and every `report_interval`.
  std::chrono::milliseconds report_after{2000};
  std::chrono::milliseconds report_interval{15000};
  // true: every authoritative server of the zone (NS records, their A/AAAA addresses or
  // `authority.address_overrides`). false: the `resolvers`, asked with RD=1 (split horizon).
  bool check_authoritative = true;
  dns::AuthorityOptions authority;
  std::vector<dns::ServerAddress> resolvers;
  // Where reports go; default: util::LogWarning.
  std::function<void(const std::string&)> report;
};

// What one server answered at the last poll, for reports and errors.
struct ServerState {
  std::string server;  // "ns2.example.org [2001:db8::53]:53" or "resolver 127.0.0.1:53"
  bool serving = false;
  std::string problem;  // why not: "not served yet", "REFUSED", "no answer within 2000 ms"
};

// Waits until the TXT record `value` at `fqdn` in `zone` is served everywhere the options say.
// Returns the servers' final states. An IPv6 address this host cannot reach at all (no IPv6
// route) is reported once and not waited for.
// Errors: kTimeout naming each server that did not serve the value and why, with what to do;
// the QueryError of the NS lookup (kNetwork) when the zone's servers cannot be found.
util::Result<std::vector<ServerState>> WaitForTxt(dns::Resolver& resolver, const std::string& zone,
                                                  const std::string& fqdn,
                                                  const std::string& value,
                                                  const PropagationOptions& options);

}  // namespace mailcert::challenge
