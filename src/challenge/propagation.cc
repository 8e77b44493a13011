#include "challenge/propagation.h"

#include <algorithm>
#include <set>
#include <thread>

#include "util/log.h"
#include "util/parallel.h"
#include "util/strings.h"
#include "util/time.h"

namespace mailcert::challenge {
namespace {

using Clock = std::chrono::steady_clock;

// The part of a QueryError message after "<name> <TYPE> at <server>: ".
std::string WhatFailed(const dns::QueryError& error) {
  size_t colon = error.message.find(": ");
  return colon == std::string::npos ? error.message : error.message.substr(colon + 2);
}

// A UDP send to an IPv6 address fails before anything leaves this host when the host has no
// IPv6 route at all ("Network is unreachable"); a server that is down answers with ICMP port
// unreachable instead, which the transport reports as "nothing listens there".
bool HostCannotReach(const dns::ServerAddress& address, const dns::QueryError& error) {
  return address.is_ipv6() && error.failure == dns::QueryFailure::kUnreachable &&
         error.message.find("nothing listens there") == std::string::npos;
}

ServerState Judge(const std::string& server, const dns::QueryResult<dns::Response>& result,
                  const std::string& value) {
  ServerState state{server, false, ""};
  if (!result) {
    state.problem = WhatFailed(result.error());
    return state;
  }
  size_t others = 0;
  for (const dns::TxtRecord& txt : result->Answers<dns::TxtRecord>()) {
    if (txt.Joined() == value) {
      state.serving = true;
      return state;
    }
    ++others;
  }
  if (result->rcode == dns::Rcode::kNxDomain) {
    state.problem = "not served yet (NXDOMAIN)";
  } else if (others > 0) {
    state.problem = "not served yet (" + std::to_string(others) + " other value(s) there)";
  } else {
    state.problem = "not served yet";
  }
  return state;
}

class Poller {
 public:
  Poller(dns::Resolver& resolver, const std::vector<dns::NameServer>& servers,
         const std::string& fqdn, const std::string& value, const PropagationOptions& options)
      : resolver_(resolver), servers_(servers), fqdn_(fqdn), value_(value), options_(options) {}

  std::vector<ServerState> Poll() {
    std::vector<ServerState> states;
    if (options_.check_authoritative) {
      for (const dns::NameServer& server : servers_) {
        if (server.addresses.empty()) states.push_back({server.host, false, server.problem});
      }
      for (const dns::ServerAnswer& answer :
           dns::QueryEachAuthoritative(resolver_, servers_, fqdn_, dns::RrType::kTxt)) {
        const std::string name = answer.host + " " + answer.address.ToString();
        if (!answer.result && HostCannotReach(answer.address, answer.result.error())) {
          if (unreachable_.insert(name).second) Report(name + " not checked: this host has no "
                                                       "IPv6 route to it");
          continue;
        }
        states.push_back(Judge(name, answer.result, value_));
      }
      return states;
    }
    std::vector<dns::QueryResult<dns::Response>> results(options_.resolvers.size());
    util::ParallelFor(results.size(), 8, [&](size_t i) {
      results[i] = resolver_.QueryServer(options_.resolvers[i], fqdn_, dns::RrType::kTxt,
                                         dns::Recursion::kDesired);
    });
    for (size_t i = 0; i < results.size(); ++i) {
      states.push_back(Judge("resolver " + options_.resolvers[i].ToString(), results[i], value_));
    }
    return states;
  }

  void Report(const std::string& text) const {
    if (options_.report) {
      options_.report(text);
    } else {
      util::LogWarning(text);
    }
  }

 private:
  dns::Resolver& resolver_;
  const std::vector<dns::NameServer>& servers_;
  const std::string& fqdn_;
  const std::string& value_;
  const PropagationOptions& options_;
  std::set<std::string> unreachable_;
};

std::vector<std::string> Lagging(const std::vector<ServerState>& states) {
  std::vector<std::string> lagging;
  for (const ServerState& state : states) {
    if (!state.serving) lagging.push_back(state.server + " (" + state.problem + ")");
  }
  return lagging;
}

}  // namespace

util::Result<std::vector<ServerState>> WaitForTxt(dns::Resolver& resolver, const std::string& zone,
                                                  const std::string& fqdn,
                                                  const std::string& value,
                                                  const PropagationOptions& options) {
  std::vector<dns::NameServer> servers;
  if (options.check_authoritative) {
    auto found = dns::AuthoritativeServers(resolver, zone, options.authority);
    if (!found) {
      return util::Fail(found.error().code,
                        "cannot find the name servers of zone " + zone + ": " +
                            found.error().message +
                            " — check the resolvers, or set check_authoritative = false");
    }
    servers = std::move(*found);
  } else if (options.resolvers.empty()) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "check_authoritative = false needs resolvers to ask instead");
  }
  Poller poller(resolver, servers, fqdn, value, options);
  const auto start = Clock::now();
  const auto deadline = start + options.timeout;
  auto delay = options.first_delay;
  std::vector<std::string> reported;
  auto last_report = start;
  while (true) {
    std::vector<ServerState> states = poller.Poll();
    std::vector<std::string> lagging = Lagging(states);
    const auto now = Clock::now();
    if (lagging.empty()) {
      if (!reported.empty()) poller.Report(fqdn + " TXT is now served by every server");
      return states;
    }
    const std::string waited =
        util::HumanDuration(std::chrono::duration_cast<util::Seconds>(now - start));
    if (now >= deadline) {
      const size_t serving = states.size() - lagging.size();
      return util::Fail(
          util::ErrorCode::kTimeout,
          "the TXT record " + fqdn + " (zone " + zone + ") is not served by " +
              util::Join(lagging, ", ") + " after " + waited + " (" + std::to_string(serving) +
              " of " + std::to_string(states.size()) +
              " serve it) — check that every name server takes the zone's updates (NOTIFY, zone "
              "transfers), raise propagation_timeout, or for split-horizon DNS set "
              "check_authoritative = false");
    }
    if (now - start >= options.report_after &&
        (lagging != reported || now - last_report >= options.report_interval)) {
      poller.Report("waiting for " + fqdn + " TXT on " + util::Join(lagging, ", ") + " (" +
                    waited + " so far)");
      reported = lagging;
      last_report = now;
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(delay, deadline - now));
    delay = std::min(options.max_delay, std::chrono::duration_cast<std::chrono::milliseconds>(
                                            delay * options.backoff));
  }
}

}  // namespace mailcert::challenge
