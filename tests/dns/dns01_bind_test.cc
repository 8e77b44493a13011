// The dns-01 solver against real BIND servers: a primary that takes RFC 2136 updates with TSIG
// and a secondary that follows by NOTIFY or lags until told to refresh. Wildcard and apex
// values side by side, the wait for every authoritative server (and the report of the one that
// lags), CNAME delegation into a zone on another server, the crash journal, and bad input —
// each failure a clear message with nothing left in DNS.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "bind.h"
#include "challenge/dns01.h"
#include "dns01_server_support.h"
#include "sys/fs.h"

namespace mailcert::challenge {
namespace {

using testing::BindKey;
using testing::BindOptions;
using testing::BindServer;

constexpr char kChallenge[] = "_acme-challenge.example.test";

dns::ServerAddress V4(const BindServer& server) {
  return {"127.0.0.1", static_cast<uint16_t>(server.Port())};
}

std::vector<dns::ServerAddress> Addresses(const BindServer& server) {
  std::vector<dns::ServerAddress> addresses = {V4(server)};
  if (server.HasIpv6()) addresses.push_back({"::1", static_cast<uint16_t>(server.Port())});
  return addresses;
}

ChallengeTask Task(const std::string& identifier, const std::string& token, bool wildcard) {
  ChallengeTask task{identifier, "dns-01", token, token + ".thumbprint"};
  task.wildcard = wildcard;
  task.order_identifiers = {"example.test", "*.example.test"};
  return task;
}

class Dns01BindTest : public ::testing::Test {
 protected:
  // A primary for example.test (NS ns1 and ns2) and a secondary; `notify`: the secondary follows
  // each change at once, else it lags until RefreshZone.
  void StartServers(bool notify) {
    key_ = BindKey{"mailcert-acme", "hmac-sha256", testing::RandomTsigSecret()};
    // The secondary needs the primary's port and the primary the secondary's (for NOTIFY).
    const std::vector<int> ports = testing::FreeTcpPorts(2);
    BindOptions primary;
    primary.port = ports[0];
    primary.keys = {key_};
    testing::BindZone zone = testing::PrimaryZone(
        "example.test",
        testing::SimpleZoneFile("example.test",
                                {{"ns1.example.test", "127.0.0.1"}, {"ns2.example.test", "127.0.0.1"}},
                                // acme-dns style: the record goes into another zone.
                                "_acme-challenge.mail IN CNAME mail.acme.delegated.test.\n"),
        {key_.name});
    if (notify) zone.notify_ports = {ports[1]};
    primary.zones.push_back(zone);
    primary_ = std::make_unique<BindServer>(primary);
    ASSERT_TRUE(primary_->Start());
    BindOptions secondary;
    secondary.port = ports[1];
    secondary.zones.push_back(testing::SecondaryZone("example.test", primary_->Port()));
    secondary_ = std::make_unique<BindServer>(secondary);
    ASSERT_TRUE(secondary_->Start());
    ASSERT_TRUE(secondary_->WaitForSerial("example.test", 1));
  }

  DnsRoute Route() const {
    DnsRoute route;
    route.origin = "test";
    route.zones = {"example.test"};
    route.provider = "rfc2136";
    route.settings = {{"server", primary_->Address()},
                      {"key_name", key_.name},
                      {"key_secret", key_.secret}};
    route.resolvers = {V4(*primary_)};
    route.nameserver_addresses = {{"ns1.example.test", Addresses(*primary_)},
                                  {"ns2.example.test", Addresses(*secondary_)}};
    route.propagation_timeout = std::chrono::seconds(30);
    return route;
  }

  std::unique_ptr<Dns01Solver> Solver(std::vector<DnsRoute> routes) {
    Dns01Deps deps = RealDeps(state_.path());
    deps.report = [this](const std::string& text) {
      std::lock_guard<std::mutex> lock(reports_mutex_);
      reports_.push_back(text);
    };
    auto solver = Dns01Solver::Create(std::move(routes), deps);
    EXPECT_TRUE(solver) << solver.error().message;
    if (!solver) return nullptr;
    EXPECT_TRUE((*solver)->Prepare());
    return std::move(*solver);
  }

  std::vector<std::string> Reports() {
    std::lock_guard<std::mutex> lock(reports_mutex_);
    return reports_;
  }

  size_t JournalNotes() const {
    auto names = sys::RealFs().ListDir((state_.path() / "dns-01").string());
    if (!names) return 0;
    return std::count_if(names->begin(), names->end(), [](const std::string& name) {
      return name.size() > 5 && name.substr(name.size() - 5) == ".json";
    });
  }

  BindKey key_;
  std::unique_ptr<BindServer> primary_, secondary_;
  testing::TempDir state_{"mailcert-dns01-state"};
  std::mutex reports_mutex_;
  std::vector<std::string> reports_;
};

TEST_F(Dns01BindTest, WildcardAndApexAreServedSideBySideAndRemovedAfterwards) {
  StartServers(/*notify=*/true);
  auto solver = Solver({Route()});
  ASSERT_TRUE(solver);
  ChallengeTask wildcard = Task("example.test", "token-wild", true);
  ChallengeTask apex = Task("example.test", "token-apex", false);
  // Authorizations run in parallel: both values go to one name at once.
  auto [wildcard_result, apex_result] = PresentAtOnce(*solver, wildcard, apex);
  ASSERT_TRUE(wildcard_result) << wildcard_result.error().message;
  ASSERT_TRUE(apex_result) << apex_result.error().message;
  std::vector<std::string> both = {Dns01TxtValue(apex.key_authorization),
                                   Dns01TxtValue(wildcard.key_authorization)};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(Txt(*primary_, kChallenge), both);
  EXPECT_EQ(Txt(*secondary_, kChallenge), both) << "Present returns only once every server serves";
  EXPECT_EQ(JournalNotes(), 2u);

  ASSERT_TRUE(solver->CleanUp(apex));
  EXPECT_EQ(Txt(*primary_, kChallenge),
            std::vector<std::string>{Dns01TxtValue(wildcard.key_authorization)});
  ASSERT_TRUE(solver->CleanUp(wildcard));
  EXPECT_TRUE(Txt(*primary_, kChallenge).empty());
  EXPECT_EQ(JournalNotes(), 0u);
  EXPECT_TRUE(solver->CleanUp(wildcard)) << "a second cleanup is no error";
}

TEST_F(Dns01BindTest, WaitsForTheLaggingSecondaryAndSaysWhichOneLags) {
  StartServers(/*notify=*/false);
  auto solver = Solver({Route()});
  ASSERT_TRUE(solver);
  std::atomic<bool> refreshed = false;
  std::thread refresher([&] {
    // Refresh the secondary only once mailcert has said that it is waiting for it.
    for (int i = 0; i < 300 && !refreshed; ++i) {
      for (const std::string& report : Reports()) {
        if (report.find("ns2.example.test") != std::string::npos) refreshed = true;
      }
      if (!refreshed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(secondary_->RefreshZone("example.test"));
  });
  ChallengeTask task = Task("example.test", "token-lag", false);
  auto presented = solver->Present(task);
  refresher.join();
  ASSERT_TRUE(presented) << presented.error().message;
  EXPECT_TRUE(refreshed) << "no report named the lagging server";
  std::vector<std::string> reports = Reports();
  ASSERT_FALSE(reports.empty());
  EXPECT_NE(reports.front().find("waiting for " + std::string(kChallenge) + " TXT on ns2.example.test 127.0.0.1:" +
                                 std::to_string(secondary_->Port()) + " (not served yet"),
            std::string::npos)
      << reports.front();
  EXPECT_EQ(reports.front().find("ns1.example.test"), std::string::npos)
      << "the primary serves it and is not reported: " << reports.front();
  EXPECT_EQ(Txt(*secondary_, kChallenge),
            std::vector<std::string>{Dns01TxtValue(task.key_authorization)});
  ASSERT_TRUE(solver->CleanUp(task));
}

TEST_F(Dns01BindTest, AServerThatNeverCatchesUpFailsWithItsNameAndTheRecordIsRemoved) {
  StartServers(/*notify=*/false);
  DnsRoute route = Route();
  route.propagation_timeout = std::chrono::seconds(2);
  auto solver = Solver({route});
  ASSERT_TRUE(solver);
  auto presented = solver->Present(Task("example.test", "token-timeout", false));
  ASSERT_FALSE(presented);
  EXPECT_EQ(presented.error().code, util::ErrorCode::kTimeout);
  const std::string& message = presented.error().message;
  EXPECT_EQ(message.rfind("example.test: dns-01: the TXT record " + std::string(kChallenge) +
                              " (zone example.test) is not served by ns2.example.test 127.0.0.1:" +
                              std::to_string(secondary_->Port()),
                          0),
            0u)
      << message;
  EXPECT_NE(message.find("raise propagation_timeout"), std::string::npos) << message;
  EXPECT_EQ(message.find(key_.secret), std::string::npos);
  EXPECT_TRUE(Txt(*primary_, kChallenge).empty()) << "Present removes what it added";
  EXPECT_EQ(JournalNotes(), 0u);
}

TEST_F(Dns01BindTest, WithoutAServerUpdatesGoToThePrimaryTheSoaNames) {
  StartServers(/*notify=*/true);
  DnsRoute route = Route();
  // No server: RFC 2136 §4 — the SOA's MNAME (ns1.example.test, A 127.0.0.1) on `port`.
  route.settings = {{"port", std::to_string(primary_->Port())},
                    {"key_name", key_.name},
                    {"key_secret", key_.secret}};
  auto solver = Solver({route});
  ASSERT_TRUE(solver);
  auto placement = solver->Locate("example.test");
  ASSERT_TRUE(placement) << placement.error().message;
  EXPECT_EQ(placement->provider,
            "rfc2136 at the zone's primary (SOA MNAME) with TSIG key 'mailcert-acme' "
            "(hmac-sha256)");
  ChallengeTask task = Task("example.test", "token-mname", false);
  auto presented = solver->Present(task);
  ASSERT_TRUE(presented) << presented.error().message;
  EXPECT_EQ(Txt(*primary_, kChallenge),
            std::vector<std::string>{Dns01TxtValue(task.key_authorization)});
  ASSERT_TRUE(solver->CleanUp(task));
  EXPECT_TRUE(Txt(*primary_, kChallenge).empty());
}

TEST_F(Dns01BindTest, SplitHorizonChecksTheResolversInsteadOfEveryAuthoritativeServer) {
  StartServers(/*notify=*/false);  // ns2 lags and is never refreshed
  DnsRoute route = Route();
  route.check_authoritative = false;  // this host cannot reach the public servers
  route.propagation_timeout = std::chrono::seconds(5);
  auto solver = Solver({route});
  ASSERT_TRUE(solver);
  ChallengeTask task = Task("example.test", "token-split", false);
  const auto start = std::chrono::steady_clock::now();
  auto presented = solver->Present(task);
  ASSERT_TRUE(presented) << presented.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(Reports().empty()) << Reports().front();
  EXPECT_TRUE(Txt(*secondary_, kChallenge).empty()) << "the lagging server was not waited for";
  ASSERT_TRUE(solver->CleanUp(task));
}

TEST_F(Dns01BindTest, ARecordLeftByACrashedRunIsRemovedByTheNextRun) {
  StartServers(/*notify=*/true);
  ChallengeTask task = Task("example.test", "token-crash", false);
  {
    auto crashed = Solver({Route()});
    ASSERT_TRUE(crashed);
    ASSERT_TRUE(crashed->Present(task));
  }  // gone without CleanUp, as after a kill: its lock is released, its note stays
  EXPECT_EQ(Txt(*primary_, kChallenge),
            std::vector<std::string>{Dns01TxtValue(task.key_authorization)});
  EXPECT_EQ(JournalNotes(), 1u);
  auto next = Solver({Route()});  // Prepare() cleans up first
  ASSERT_TRUE(next);
  EXPECT_TRUE(Txt(*primary_, kChallenge).empty());
  EXPECT_EQ(JournalNotes(), 0u);
}

TEST_F(Dns01BindTest, ACnameDelegatesTheRecordIntoAZoneOnAnotherServer) {
  StartServers(/*notify=*/true);
  // example.test has _acme-challenge.mail CNAME mail.acme.delegated.test. (acme-dns style);
  // delegated.test is on a second server, with its own key.
  BindKey other_key{"delegated-key", "hmac-sha512", testing::RandomTsigSecret(64)};
  BindOptions options;
  options.keys = {other_key};
  options.zones.push_back(testing::PrimaryZone(
      "delegated.test", testing::SimpleZoneFile("delegated.test", {}, ""), {other_key.name}));
  BindServer delegated(options);
  ASSERT_TRUE(delegated.Start());
  DnsRoute own = Route();
  DnsRoute other;
  other.origin = "test delegated";
  other.zones = {"delegated.test"};
  other.provider = "rfc2136";
  other.settings = {{"server", delegated.Address()},
                    {"key_name", other_key.name},
                    {"key_algorithm", other_key.algorithm},
                    {"key_secret", other_key.secret}};
  // The primary refuses questions about delegated.test: the resolver moves on to the second.
  other.resolvers = own.resolvers = {V4(*primary_), V4(delegated)};
  other.nameserver_addresses = {{"ns1.delegated.test", Addresses(delegated)}};
  own.resolvers = other.resolvers;
  auto solver = Solver({own, other});
  ASSERT_TRUE(solver);

  auto placement = solver->Locate("mail.example.test");
  ASSERT_TRUE(placement) << placement.error().message;
  EXPECT_EQ(placement->record_name, "_acme-challenge.mail.example.test");
  EXPECT_EQ(placement->target, "mail.acme.delegated.test");
  EXPECT_EQ(placement->zone, "delegated.test");
  EXPECT_EQ(placement->route, "rfc2136 (test delegated)");

  ChallengeTask task = Task("mail.example.test", "token-cname", false);
  auto presented = solver->Present(task);
  ASSERT_TRUE(presented) << presented.error().message;
  EXPECT_EQ(Txt(delegated, "mail.acme.delegated.test"),
            std::vector<std::string>{Dns01TxtValue(task.key_authorization)});
  ASSERT_TRUE(solver->CleanUp(task));
  EXPECT_TRUE(Txt(delegated, "mail.acme.delegated.test").empty());
}

TEST_F(Dns01BindTest, AWrongTsigSecretIsShownPlainlyAndLeavesNothing) {
  StartServers(/*notify=*/true);
  DnsRoute route = Route();
  const std::string wrong = testing::RandomTsigSecret();
  route.settings["key_secret"] = wrong;
  auto solver = Solver({route});
  ASSERT_TRUE(solver);
  auto presented = solver->Present(Task("example.test", "token-badsig", false));
  ASSERT_FALSE(presented);
  const std::string& message = presented.error().message;
  EXPECT_NE(message.find("NOTAUTH"), std::string::npos) << message;
  EXPECT_NE(message.find("BADSIG"), std::string::npos) << message;
  EXPECT_EQ(message.find(wrong), std::string::npos);
  EXPECT_EQ(message.find(key_.secret), std::string::npos);
  EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
  EXPECT_TRUE(Txt(*primary_, kChallenge).empty());
  EXPECT_EQ(JournalNotes(), 0u);
}

TEST_F(Dns01BindTest, AZoneNobodyServesAndAZoneNoTableCoversAreClearErrors) {
  StartServers(/*notify=*/true);
  // Only a zone below example.test is configured: example.test's own records have no route.
  DnsRoute narrow = Route();
  narrow.zones = {"other.example.test"};
  auto solver = Solver({narrow});
  ASSERT_TRUE(solver);
  auto uncovered = solver->Present(Task("www.example.test", "token-x", false));
  ASSERT_FALSE(uncovered);
  EXPECT_EQ(uncovered.error().message,
            "www.example.test: dns-01: no [[dns]] table covers zone example.test (where "
            "_acme-challenge.www.example.test lies); they cover other.example.test — add it to "
            "a table's zones");

  DnsRoute catch_all = Route();
  catch_all.zones.clear();
  auto everything = Solver({catch_all});
  ASSERT_TRUE(everything);
  auto nowhere = everything->Present(Task("mail.nowhere.test", "token-y", false));
  ASSERT_FALSE(nowhere);
  EXPECT_NE(nowhere.error().message.find(
                "mail.nowhere.test: dns-01: cannot look up _acme-challenge.mail.nowhere.test: "
                "_acme-challenge.mail.nowhere.test CNAME at " + primary_->Address()),
            std::string::npos)
      << nowhere.error().message;
  EXPECT_NE(nowhere.error().message.find("REFUSED"), std::string::npos)
      << nowhere.error().message;
  EXPECT_NE(nowhere.error().message.find("is the domain's zone served"), std::string::npos)
      << nowhere.error().message;
  EXPECT_EQ(JournalNotes(), 0u);
}

}  // namespace
}  // namespace mailcert::challenge
