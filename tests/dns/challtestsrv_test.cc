// CAA lookups and SERVFAIL through pebble-challtestsrv, the DNS server Pebble validates with:
// its management API sets CAA policies, aliases and SERVFAIL per name, which BIND cannot fake
// (a SERVFAIL on demand).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dns/caa_lookup.h"
#include "dns/resolver.h"
#include "dns/zone.h"
#include "pebble.h"

namespace mailcert::dns {
namespace {

class ChallTestSrvTest : public testing::PebbleSuiteTest {
 protected:
  void SetUp() override {
    PebbleSuiteTest::SetUp();
    if (HasFatalFailure()) return;
    ResolverOptions options;
    options.servers = {ServerAddress{"127.0.0.1", static_cast<uint16_t>(pebble().DnsPort())}};
    options.timeout = std::chrono::milliseconds(1500);
    auto resolver = MakeResolver(options);
    ASSERT_TRUE(resolver) << resolver.error().message;
    resolver_ = std::move(*resolver);
  }

  ::testing::AssertionResult AddCaa(
      const std::string& host, const std::vector<std::pair<std::string, std::string>>& policies) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [tag, value] : policies) list.push_back({{"tag", tag}, {"value", value}});
    return pebble().ChallTestSrvPost(
        "add-caa", nlohmann::json{{"host", host + "."}, {"policies", list}}.dump());
  }

  static CaaRequest Request(const std::string& identifier) {
    return CaaRequest{identifier, {"letsencrypt.org"}, "https://acme.example/acct/1", "dns-01"};
  }

  std::unique_ptr<Resolver> resolver_;
};

TEST_F(ChallTestSrvTest, ServfailIsItsOwnKind) {
  ASSERT_TRUE(pebble().ChallTestSrvPost("set-servfail", R"({"host":"broken.caa.test."})"));
  auto result = resolver_->Query("broken.caa.test", RrType::kCaa);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().failure, QueryFailure::kServFail) << result.error().ToString();
  EXPECT_EQ(result.error().rcode, Rcode::kServFail);
  EXPECT_NE(result.error().message.find("broken.caa.test CAA at 127.0.0.1:" +
                                        std::to_string(pebble().DnsPort()) + ": SERVFAIL"),
            std::string::npos)
      << result.error().message;
}

TEST_F(ChallTestSrvTest, CaaServfailMeansTheCaWillRefuse) {
  ASSERT_TRUE(pebble().ChallTestSrvPost("set-servfail", R"({"host":"dnssec-broken.test."})"));
  CaaDecision decision = CheckCaa(*resolver_, Request("mail.dnssec-broken.test"));
  EXPECT_EQ(decision.verdict, CaaVerdict::kLookupFailed) << decision.reason;
  EXPECT_NE(decision.reason.find("CAA lookup for dnssec-broken.test failed"), std::string::npos)
      << decision.reason;
  EXPECT_NE(decision.reason.find("SERVFAIL"), std::string::npos) << decision.reason;
  EXPECT_NE(decision.hint.find("CAs refuse"), std::string::npos) << decision.hint;
}

TEST_F(ChallTestSrvTest, CaaForOurCaAtTheParentPermits) {
  ASSERT_TRUE(AddCaa("permit.test", {{"issue", "letsencrypt.org"}}));
  auto steps = LookupCaa(*resolver_, "mail.permit.test");
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].name, "mail.permit.test");
  EXPECT_TRUE(steps[0].records.empty());
  EXPECT_EQ(steps[1].name, "permit.test");
  ASSERT_EQ(steps[1].records.size(), 1u);
  EXPECT_EQ(steps[1].records[0].tag, "issue");
  CaaDecision decision = EvaluateCaa(Request("mail.permit.test"), steps);
  EXPECT_EQ(decision.verdict, CaaVerdict::kPermitted) << decision.reason;
  EXPECT_EQ(decision.relevant_name, "permit.test");
}

TEST_F(ChallTestSrvTest, CaaForAnotherCaRefusesWithTheRecordNamed) {
  ASSERT_TRUE(AddCaa("other-ca.test", {{"issue", "digicert.com"}}));
  CaaDecision decision = CheckCaa(*resolver_, Request("other-ca.test"));
  EXPECT_EQ(decision.verdict, CaaVerdict::kRefused) << decision.reason;
  EXPECT_NE(decision.reason.find("digicert.com"), std::string::npos) << decision.reason;
  EXPECT_NE(decision.hint.find("other-ca.test. CAA 0 issue \"letsencrypt.org\""), std::string::npos)
      << decision.hint;
}

TEST_F(ChallTestSrvTest, CaaValidationMethodsAndWildcards) {
  ASSERT_TRUE(AddCaa("methods.test", {{"issue", "letsencrypt.org; validationmethods=http-01"},
                                      {"issuewild", "letsencrypt.org"}}));
  EXPECT_EQ(CheckCaa(*resolver_, Request("methods.test")).verdict, CaaVerdict::kRefused);
  // The wildcard is governed by issuewild alone (RFC 8659 §4.3).
  EXPECT_EQ(CheckCaa(*resolver_, Request("*.methods.test")).verdict, CaaVerdict::kPermitted);
}

TEST_F(ChallTestSrvTest, NoCaaAnywherePermits) {
  CaaDecision decision = CheckCaa(*resolver_, Request("a.b.nocaa.test"));
  EXPECT_EQ(decision.verdict, CaaVerdict::kPermitted) << decision.reason;
  EXPECT_TRUE(decision.relevant_name.empty());
}

TEST_F(ChallTestSrvTest, CaaFollowsAliases) {
  ASSERT_TRUE(AddCaa("policy.target.test", {{"issue", "digicert.com"}}));
  ASSERT_TRUE(pebble().ChallTestSrvPost(
      "set-cname", R"({"host":"www.aliased.test.","target":"policy.target.test."})"));
  auto target = FollowCnames(*resolver_, "www.aliased.test");
  ASSERT_TRUE(target) << target.error().ToString();
  EXPECT_EQ(*target, "policy.target.test");
  CaaDecision decision = CheckCaa(*resolver_, Request("www.aliased.test"));
  EXPECT_EQ(decision.verdict, CaaVerdict::kRefused) << decision.reason;
  EXPECT_NE(decision.reason.find("alias of policy.target.test"), std::string::npos)
      << decision.reason;
}

TEST_F(ChallTestSrvTest, TxtSetThroughTheApiIsRead) {
  ASSERT_TRUE(pebble().SetTxt("_acme-challenge.txt.test", "token-value"));
  auto txt = resolver_->Query("_acme-challenge.txt.test", RrType::kTxt);
  ASSERT_TRUE(txt) << txt.error().ToString();
  ASSERT_EQ(txt->Answers<TxtRecord>().size(), 1u);
  EXPECT_EQ(txt->Answers<TxtRecord>()[0].Joined(), "token-value");
}

}  // namespace
}  // namespace mailcert::dns
