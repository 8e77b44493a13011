// The powerdns provider and the dns-01 solver against a real PowerDNS Authoritative Server
// (sqlite3 backend, HTTP API on loopback): values merged into the TXT RRset and removed one by
// one, wildcard and apex at once, and the API's refusals as clear errors without the key.

#include <gtest/gtest.h>

#include <algorithm>

#include "challenge/dns01.h"
#include "challenge/dns_provider_factory.h"
#include "dns01_server_support.h"
#include "net/http_client.h"
#include "powerdns.h"

namespace mailcert::challenge {
namespace {

using testing::PowerDnsServer;

constexpr char kChallenge[] = "_acme-challenge.example.test";

class PowerDnsTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    pdns_ = std::make_unique<PowerDnsServer>();
    start_ = pdns_->Start();
    if (start_) start_ = pdns_->CreateZone("example.test", {"www 60 A 192.0.2.1"});
  }
  static void TearDownTestSuite() { pdns_.reset(); }

 protected:
  void SetUp() override {
    ASSERT_TRUE(start_) << start_.message();
    auto http = net::MakeHttpClient({});
    ASSERT_TRUE(http);
    http_ = std::move(*http);
  }

  ProviderSettings Settings(const std::string& key) const {
    return {{"api_url", pdns_->ApiUrl()}, {"api_key", key}};
  }

  util::Result<std::unique_ptr<DnsProvider>> Provider(const std::string& key) {
    ProviderDeps deps;
    deps.http = http_.get();
    return MakeCoreDnsProvider("powerdns", Settings(key), deps);
  }

  std::unique_ptr<Dns01Solver> Solver(const std::string& key) {
    DnsRoute route;
    route.origin = "test";
    route.provider = "dns_pdns";  // acme.sh's name for it
    route.settings = {{"PDNS_Url", pdns_->ApiUrl()}, {"PDNS_Token", key},
                      {"PDNS_ServerId", "localhost"}};
    dns::ServerAddress v4{"127.0.0.1", static_cast<uint16_t>(pdns_->Port())};
    route.resolvers = {v4};
    route.nameserver_addresses["ns1.example.test"] = {v4};
    if (pdns_->HasIpv6()) {
      route.nameserver_addresses["ns1.example.test"].push_back(
          {"::1", static_cast<uint16_t>(pdns_->Port())});
    }
    route.propagation_timeout = std::chrono::seconds(20);
    Dns01Deps deps = RealDeps(state_.path());
    deps.http = http_.get();
    auto solver = Dns01Solver::Create({route}, deps);
    EXPECT_TRUE(solver) << solver.error().message;
    return solver ? std::move(*solver) : nullptr;
  }

  static inline std::unique_ptr<PowerDnsServer> pdns_;
  static inline ::testing::AssertionResult start_ = ::testing::AssertionFailure();
  std::unique_ptr<net::HttpClient> http_;
  testing::TempDir state_{"mailcert-pdns-state"};
};

TEST_F(PowerDnsTest, AddingMergesIntoTheRrsetAndRemovingTakesOnlyThatValue) {
  auto provider = Provider(pdns_->ApiKey());
  ASSERT_TRUE(provider) << provider.error().message;
  EXPECT_EQ((*provider)->Describe(), "powerdns at " + pdns_->ApiUrl() + " (server localhost)");
  const std::string name = "_acme-challenge.merge.example.test";
  ASSERT_TRUE((*provider)->AddTxt("example.test", name, "first"));
  auto second = (*provider)->AddTxt("example.test", name, "second \"quoted\"");
  ASSERT_TRUE(second) << second.error().message;
  ASSERT_TRUE((*provider)->AddTxt("example.test", name, "first"));  // already there: no-op
  EXPECT_EQ(pdns_->DigShort(name, "TXT").size(), 2u);
  ASSERT_TRUE((*provider)->RemoveTxt("example.test", name, "first"));
  EXPECT_EQ(pdns_->DigShort(name, "TXT"), std::vector<std::string>{"\"second \\\"quoted\\\"\""});
  ASSERT_TRUE((*provider)->RemoveTxt("example.test", name, "second \"quoted\""));
  EXPECT_TRUE(pdns_->DigShort(name, "TXT").empty());
  EXPECT_TRUE((*provider)->RemoveTxt("example.test", name, "never-there"));
}

TEST_F(PowerDnsTest, WildcardAndApexThroughTheSolverAreServedAndRemoved) {
  auto solver = Solver(pdns_->ApiKey());
  ASSERT_TRUE(solver);
  ASSERT_TRUE(solver->Prepare());
  ChallengeTask wildcard{"example.test", "dns-01", "tok-w", "tok-w.thumb"};
  wildcard.wildcard = true;
  ChallengeTask apex{"example.test", "dns-01", "tok-a", "tok-a.thumb"};
  auto [wildcard_result, apex_result] = PresentAtOnce(*solver, wildcard, apex);
  ASSERT_TRUE(wildcard_result) << wildcard_result.error().message;
  ASSERT_TRUE(apex_result) << apex_result.error().message;
  std::vector<std::string> both = {Dns01TxtValue("tok-a.thumb"), Dns01TxtValue("tok-w.thumb")};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(Txt(*pdns_, kChallenge), both) << "the read-modify-write of one name is serialized";
  ASSERT_TRUE(solver->CleanUp(wildcard));
  ASSERT_TRUE(solver->CleanUp(apex));
  EXPECT_TRUE(Txt(*pdns_, kChallenge).empty());
}

TEST_F(PowerDnsTest, AWrongApiKeyIsAClearErrorWithoutTheKey) {
  const std::string wrong = "wrong-key-4711";
  auto solver = Solver(wrong);
  ASSERT_TRUE(solver);
  auto presented = solver->Present({"example.test", "dns-01", "tok-k", "tok-k.thumb"});
  ASSERT_FALSE(presented);
  const std::string& message = presented.error().message;
  EXPECT_EQ(message, "example.test: dns-01: powerdns at " + pdns_->ApiUrl() +
                         ": read zone example.test: HTTP 401: \"Unauthorized\" — the API key "
                         "was not accepted; check api_key (PDNS_Token) against pdns.conf's "
                         "api-key");
  EXPECT_EQ(message.find(wrong), std::string::npos);
  EXPECT_EQ(message.find(pdns_->ApiKey()), std::string::npos);
  EXPECT_TRUE(Txt(*pdns_, kChallenge).empty());
}

TEST_F(PowerDnsTest, TheApiErrorBodyIsShownForAZoneItDoesNotHave) {
  auto provider = Provider(pdns_->ApiKey());
  ASSERT_TRUE(provider);
  auto added = (*provider)->AddTxt("other.test", "_acme-challenge.other.test", "x");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, util::ErrorCode::kNotFound);
  EXPECT_EQ(added.error().message,
            "powerdns at " + pdns_->ApiUrl() +
                ": read zone other.test: HTTP 404: \"Not Found\" — is zone other.test on this "
                "server (server_id localhost)?");
}

TEST_F(PowerDnsTest, AMissingApiKeyIsRefusedBeforeAnyRequest) {
  ProviderDeps deps;
  deps.http = http_.get();
  auto made = MakeCoreDnsProvider("powerdns", {{"api_url", pdns_->ApiUrl()}}, deps);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(made.error().message.find("api_key is not set"), std::string::npos);
}

}  // namespace
}  // namespace mailcert::challenge
