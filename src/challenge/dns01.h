#pragma once
// DNS-01 (RFC 8555 §8.4): the CA looks up TXT records at _acme-challenge.<name> and expects
// base64url(SHA-256(key authorization)) among them. Wildcards can only be validated this way,
// and it needs no port 80.
//
// For each challenge the solver
//   1. names the record: _acme-challenge.<identifier without "*.">, following a CNAME there to
//      wherever it points (acme-dns style delegation: the record is written at the target);
//   2. finds the zone holding that name by walking up to its SOA (RFC 2136 §4);
//   3. picks the route (provider and credentials) configured for the zone (dns_routes.h);
//   4. notes the record in the crash journal (dns_journal.h), then adds the value, keeping other
//      values at the name (a wildcard and its apex share it; changes of one name are serialized
//      because authorizations run in parallel threads, and a provider that rewrites whole record
//      sets changes a zone only under its lock, shared with other mailcert runs: zone_lock.h);
//   5. waits until every authoritative server serves it, over IPv4 and IPv6 (propagation.h),
//      and only then returns, so the CA can see it from anywhere.
// CleanUp removes exactly that value, whatever happened; Present removes it itself when it
// fails after adding. Prepare removes records a crashed earlier run left behind.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "challenge/dns_journal.h"
#include "challenge/dns_provider_factory.h"
#include "challenge/dns_provider.h"
#include "challenge/dns_routes.h"
#include "challenge/propagation.h"
#include "challenge/solver.h"
#include "challenge/zone_lock.h"
#include "dns/resolver.h"
#include "net/http_client.h"
#include "sys/fs.h"
#include "sys/process.h"

namespace mailcert::challenge {

// The TXT value for a key authorization: base64url(SHA-256(key authorization)), no padding
// (RFC 8555 §8.4).
std::string Dns01TxtValue(const std::string& key_authorization);

struct Dns01Deps {
  DnsProviderFactory make_provider = nullptr;  // MakeDnsProvider in mailcert
  sys::Fs* fs = nullptr;
  net::HttpClient* http = nullptr;  // API providers
  sys::ProcessRunner* runner = nullptr;  // hook programs
  std::string state_dir;  // the crash journal is <state_dir>/dns-01
  // Propagation polling (tests shorten it) and where lagging servers are reported.
  std::chrono::milliseconds first_poll_delay{250};
  std::function<void(const std::string&)> report;  // default: util::LogWarning
};

// Where the record for one identifier goes.
struct RecordPlacement {
  std::string identifier;   // "*.example.org"
  std::string record_name;  // "_acme-challenge.example.org"
  std::string target;       // where it is written: record_name, or where its CNAME points
  std::string zone;         // the zone holding `target`
  std::string provider;     // the provider's Describe()
  std::string route;        // the route's Label(): "rfc2136 (mailcert.toml:40:1)"
};

class Dns01Solver final : public Solver {
 public:
  // Builds each route's resolver and provider, so a missing credential or a bad setting fails
  // before any order is placed.
  // Errors: the first route that cannot be built, prefixed with its origin; kInvalidInput when
  // there are no routes.
  static util::Result<std::unique_ptr<Dns01Solver>> Create(std::vector<DnsRoute> routes,
                                                           Dns01Deps deps);
  ~Dns01Solver() override;

  std::string ChallengeType() const override { return "dns-01"; }
  // Removes the records an earlier run added and never removed (it crashed or was killed).
  // Problems are logged as warnings; they do not stop this run.
  util::Result<void> Prepare() override;
  // Errors (each starting with the identifier): kNetwork/kTimeout from DNS lookups, naming the
  // name and server; kNotFound when no route covers the name or its zone; the provider's error;
  // kTimeout when a server still does not serve the value after the route's
  // propagation_timeout, naming that server.
  util::Result<void> Present(const ChallengeTask& task) override;
  util::Result<void> CleanUp(const ChallengeTask& task) override;

  // Where the record for `identifier` would go, looked up now (for `plan` and for Present).
  // Errors: as Present's lookups.
  util::Result<RecordPlacement> Locate(const std::string& identifier);

 private:
  struct Route {  // what configs_[i] is built into
    std::unique_ptr<dns::Resolver> resolver;
    std::unique_ptr<DnsProvider> provider;
    std::vector<dns::ServerAddress> check_resolvers;  // check_authoritative = false
  };
  struct Presented {
    size_t route = 0;
    TxtRecordRequest request;
    DnsJournal::Entry entry;
  };

  explicit Dns01Solver(Dns01Deps deps);
  // Locate, and the index of the route that writes the record.
  util::Result<std::pair<RecordPlacement, size_t>> Place(const std::string& identifier);
  PropagationOptions Propagation(size_t route) const;
  // Adds or removes one value under the lock of its name.
  util::Result<void> Change(size_t route, const TxtRecordRequest& request, bool add);
  // Removes a value and forgets its note; on failure the note stays for the next run.
  util::Result<void> Withdraw(size_t route, const TxtRecordRequest& request,
                              DnsJournal::Entry& entry);

  Dns01Deps deps_;
  std::vector<DnsRoute> configs_;
  std::vector<Route> routes_;
  DnsJournal journal_;
  ZoneLocks zone_locks_;  // in the journal's directory
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<std::mutex>> name_locks_;  // fqdn → its changes' lock
  std::map<std::string, Presented> presented_;                     // token → its record
};

}  // namespace mailcert::challenge
