#include "challenge/dns01.h"

#include "crypto/hash.h"
#include "dns/name.h"
#include "dns/zone.h"
#include "util/base64.h"
#include "util/log.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

// An error of one identifier's challenge: "mail.example.org: dns-01: <what>".
util::Error ForName(const std::string& identifier, const util::Error& error) {
  return util::Error{error.code, identifier + ": dns-01: " + error.message, error.detail};
}

// A provider error after which the record may or may not be there (the request may have been
// applied before the answer was lost).
bool MaybeApplied(const util::Error& error) {
  return error.code == util::ErrorCode::kTimeout || error.code == util::ErrorCode::kNetwork;
}

}  // namespace

std::string Dns01TxtValue(const std::string& key_authorization) {
  return util::Base64UrlEncode(crypto::Sha256(key_authorization));
}

Dns01Solver::Dns01Solver(Dns01Deps deps)
    : deps_(std::move(deps)),
      journal_(*deps_.fs, sys::JoinPath(deps_.state_dir, "dns-01")),
      zone_locks_(*deps_.fs, journal_.dir(), ZoneLockOptions{.report = deps_.report}) {}

Dns01Solver::~Dns01Solver() = default;

util::Result<std::unique_ptr<Dns01Solver>> Dns01Solver::Create(std::vector<DnsRoute> routes,
                                                               Dns01Deps deps) {
  if (routes.empty()) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "dns-01 needs a DNS provider: give --dns PROVIDER or a [[dns]] table");
  }
  if (deps.fs == nullptr || deps.state_dir.empty() || deps.make_provider == nullptr) {
    return util::Fail(util::ErrorCode::kInternal, "dns-01: no state directory or providers");
  }
  std::unique_ptr<Dns01Solver> solver(new Dns01Solver(std::move(deps)));
  for (DnsRoute& config : routes) {
    Route route;
    dns::ResolverOptions options;
    options.servers = config.resolvers;
    auto resolver = dns::MakeResolver(options);
    if (!resolver) return util::Fail(resolver.error().WithContext(config.origin));
    route.resolver = std::move(*resolver);
    ProviderDeps provider_deps{solver->deps_.http, solver->deps_.runner, solver->deps_.fs,
                               route.resolver.get()};
    auto provider = solver->deps_.make_provider(config.provider, config.settings, provider_deps);
    if (!provider) return util::Fail(provider.error().WithContext(config.origin));
    route.provider = std::move(*provider);
    if (!config.check_authoritative) {
      route.check_resolvers = config.resolvers;
      if (route.check_resolvers.empty()) {
        auto text = solver->deps_.fs->ReadFile("/etc/resolv.conf");
        if (!text) return util::Fail(text.error().WithContext(config.origin));
        MC_ASSIGN_OR_RETURN(route.check_resolvers,
                            dns::ParseResolvConf(*text, "/etc/resolv.conf"));
      }
    }
    solver->configs_.push_back(std::move(config));
    solver->routes_.push_back(std::move(route));
  }
  return solver;
}

util::Result<RecordPlacement> Dns01Solver::Locate(const std::string& identifier) {
  MC_ASSIGN_OR_RETURN(auto placed, Place(identifier));
  return std::move(placed.first);
}

util::Result<std::pair<RecordPlacement, size_t>> Dns01Solver::Place(
    const std::string& identifier) {
  MC_ASSIGN_OR_RETURN(std::string name, dns::NormalizeName(identifier));
  RecordPlacement placement;
  placement.identifier = name;
  placement.record_name = dns::AcmeChallengeName(name);
  const std::string base = dns::StripWildcard(name);
  // The lookups go through the resolvers of the route that covers the name itself; a name whose
  // record is delegated elsewhere (CNAME) may have none, and is looked up with the first's.
  const size_t lookup = PickRoute(configs_, name, base).value_or(0);
  dns::Resolver& resolver = *routes_[lookup].resolver;
  const std::string hint = " — is the domain's zone served by its name servers, and do the "
                           "resolvers of " + configs_[lookup].Label() + " reach them?";
  // acme-dns style delegation: _acme-challenge.<name> CNAME <somewhere the provider can write>.
  auto target = dns::FollowCnames(resolver, placement.record_name);
  if (!target) {
    return util::Fail(target.error().code, "cannot look up " + placement.record_name + ": " +
                                               target.error().message + hint);
  }
  placement.target = *target;
  auto zone = dns::FindZone(resolver, placement.target);
  if (!zone) {
    return util::Fail(zone.error().code, "cannot find the zone of " + placement.target + ": " +
                                             zone.error().message + hint);
  }
  // The nearest SOA being a top-level domain's (or the root's) means the domain has no zone of
  // its own: not registered, or not delegated yet.
  if (zone->zone == "." || zone->zone.find('.') == std::string::npos) {
    return util::Fail(util::ErrorCode::kNotFound,
                      "no zone of its own holds " + placement.target + " (the nearest SOA is " +
                          zone->zone + "'s) — is " + base + " registered and delegated?");
  }
  placement.zone = zone->zone;
  auto route = PickRoute(configs_, name, placement.zone);
  if (!route) {
    std::string where = placement.zone == base ? placement.zone
                                               : placement.zone + " (where " + placement.target +
                                                     " lies)";
    return util::Fail(util::ErrorCode::kNotFound,
                      "no [[dns]] table covers zone " + where + "; they cover " +
                          DescribeCoverage(configs_) + " — add it to a table's zones");
  }
  placement.provider = routes_[*route].provider->Describe();
  placement.route = configs_[*route].Label();
  return std::make_pair(std::move(placement), *route);
}

PropagationOptions Dns01Solver::Propagation(size_t route) const {
  const DnsRoute& config = configs_[route];
  PropagationOptions options;
  options.timeout = config.propagation_timeout;
  options.first_delay = deps_.first_poll_delay;
  options.check_authoritative = config.check_authoritative;
  options.authority.address_overrides = config.nameserver_addresses;
  options.resolvers = routes_[route].check_resolvers;
  options.report = deps_.report;
  return options;
}

util::Result<void> Dns01Solver::Change(size_t route, const TxtRecordRequest& request, bool add) {
  std::mutex* name_lock = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = name_locks_[request.fqdn];
    if (!slot) slot = std::make_unique<std::mutex>();
    name_lock = slot.get();
  }
  // Providers that replace a whole RRset read it first; one name's changes must not interleave,
  // and neither may theirs with another run's in the same zone.
  std::lock_guard<std::mutex> lock(*name_lock);
  DnsProvider& provider = *routes_[route].provider;
  return zone_locks_.Run(provider, request.zone, [&] {
    return add ? provider.AddTxtRecord(request) : provider.RemoveTxtRecord(request);
  });
}

util::Result<void> Dns01Solver::Withdraw(size_t route, const TxtRecordRequest& request,
                                         DnsJournal::Entry& entry) {
  auto removed = Change(route, request, /*add=*/false);
  if (!removed) {
    return util::Fail(removed.error().code,
                      "could not remove TXT " + request.fqdn + ": " + removed.error().message +
                          "; noted in " + entry.path + ", the next run removes it");
  }
  if (auto forgotten = journal_.Forget(entry); !forgotten) {
    util::LogWarning("dns-01: " + forgotten.error().message);
  }
  return {};
}

util::Result<void> Dns01Solver::Prepare() {
  std::vector<std::string> problems;
  auto leftovers = journal_.Leftovers(problems);
  if (!leftovers) {
    problems.push_back(leftovers.error().message);
    leftovers.emplace();
  }
  for (DnsJournal::Entry& entry : *leftovers) {
    const JournalRecord& record = entry.record;
    std::optional<size_t> route;
    for (size_t i = 0; i < routes_.size(); ++i) {
      if (configs_[i].Key() == record.route_key) route = i;
    }
    if (!route) route = PickRoute(configs_, record.identifier, record.zone);
    if (!route) {
      problems.push_back("the TXT record " + record.fqdn + " " + util::Quote(record.value) +
                         " left by an earlier run cannot be removed: no [[dns]] table covers "
                         "zone " + record.zone + " any more; remove it by hand, then " +
                         entry.path);
      continue;
    }
    TxtRecordRequest request{record.zone, record.fqdn, record.value, record.identifier, "", {}};
    if (auto removed = Withdraw(*route, request, entry); !removed) {
      problems.push_back(removed.error().message);
      continue;
    }
    util::LogInfo("dns-01: removed the TXT record " + record.fqdn + " that an earlier run left");
  }
  for (const std::string& problem : problems) util::LogWarning("dns-01: " + problem);
  return {};
}

util::Result<void> Dns01Solver::Present(const ChallengeTask& task) {
  const std::string identifier = task.wildcard && !dns::IsWildcard(task.identifier)
                                     ? "*." + task.identifier
                                     : task.identifier;
  auto placed = Place(identifier);
  if (!placed) return util::Fail(ForName(identifier, placed.error()));
  const RecordPlacement& placement = placed->first;
  const size_t route = placed->second;
  TxtRecordRequest request{placement.zone, placement.target,
                           Dns01TxtValue(task.key_authorization), placement.identifier,
                           task.token, task.order_identifiers};
  auto entry = journal_.Remember(JournalRecord{configs_[route].Key(), request.zone,
                                               request.fqdn, request.value, request.identifier,
                                               std::chrono::system_clock::now()});
  if (!entry) return util::Fail(ForName(identifier, entry.error()));

  if (auto added = Change(route, request, /*add=*/true); !added) {
    if (MaybeApplied(added.error())) {
      if (auto withdrawn = Withdraw(route, request, *entry); !withdrawn) {
        util::LogWarning(ForName(identifier, withdrawn.error()).message);
      }
    } else if (auto forgotten = journal_.Forget(*entry); !forgotten) {
      util::LogWarning("dns-01: " + forgotten.error().message);
    }
    return util::Fail(ForName(identifier, added.error()));
  }
  util::LogInfo(identifier + ": dns-01: added TXT " + request.fqdn + " in zone " + request.zone +
                " via " + placement.provider + "; waiting until every server serves it");
  auto served = WaitForTxt(*routes_[route].resolver, request.zone, request.fqdn, request.value,
                           Propagation(route));
  if (!served) {
    if (auto withdrawn = Withdraw(route, request, *entry); !withdrawn) {
      util::LogWarning(ForName(identifier, withdrawn.error()).message);
    }
    return util::Fail(ForName(identifier, served.error()));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  presented_.emplace(task.token, Presented{route, std::move(request), std::move(*entry)});
  return {};
}

util::Result<void> Dns01Solver::CleanUp(const ChallengeTask& task) {
  std::optional<Presented> presented;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = presented_.find(task.token);
    if (found == presented_.end()) return {};  // Present failed and cleaned up itself
    presented = std::move(found->second);
    presented_.erase(found);
  }
  auto withdrawn = Withdraw(presented->route, presented->request, presented->entry);
  if (!withdrawn) return util::Fail(ForName(presented->request.identifier, withdrawn.error()));
  return {};
}

}  // namespace mailcert::challenge
