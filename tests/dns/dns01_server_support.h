#pragma once
// What the dns-01 solver tests against real authoritative servers (dns01_bind_test.cc,
// dns01_powerdns_test.cc) share: reading back the TXT values a server holds, the solver's
// dependencies on the real system, and two authorizations presented at once.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "challenge/dns01.h"
#include "challenge/dns_provider_factory.h"
#include "challenge/solver.h"
#include "sys/fs.h"
#include "sys/process.h"
#include "util/result.h"

namespace mailcert::challenge {

// TXT values `server` holds at `name`, as dig prints them without quotes, sorted. `server` is a
// testing::BindServer or testing::PowerDnsServer (anything with DigShort(name, type)).
template <typename Server>
std::vector<std::string> Txt(const Server& server, const std::string& name) {
  std::vector<std::string> values;
  for (std::string line : server.DigShort(name, "TXT")) {
    line.erase(std::remove(line.begin(), line.end(), '"'), line.end());
    values.push_back(line);
  }
  std::sort(values.begin(), values.end());
  return values;
}

// The solver's dependencies as mailcert has them, but for the core providers only: the real
// file system and processes, the crash journal under `state_dir`, and a first propagation poll
// after 50 ms (the servers are on loopback). No HTTP client and no report callback.
inline Dns01Deps RealDeps(const std::filesystem::path& state_dir) {
  Dns01Deps deps;
  deps.make_provider = MakeCoreDnsProvider;
  deps.fs = &sys::RealFs();
  deps.runner = &sys::RealProcessRunner();
  deps.state_dir = state_dir.string();
  deps.first_poll_delay = std::chrono::milliseconds(50);
  return deps;
}

// Presents `first` (on another thread) and `second` at the same time, as authorizations run in
// parallel; returns their results in that order once both have returned.
inline std::pair<util::Result<void>, util::Result<void>> PresentAtOnce(
    Solver& solver, const ChallengeTask& first, const ChallengeTask& second) {
  util::Result<void> first_result, second_result;
  std::thread thread([&] { first_result = solver.Present(first); });
  second_result = solver.Present(second);
  thread.join();
  return {std::move(first_result), std::move(second_result)};
}

}  // namespace mailcert::challenge
