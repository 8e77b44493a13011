// The hook provider's contract through a ProcessRunner that records what would run: lego's
// `exec` argument list, certbot's manual-hook variables and mailcert's own. A real shell script
// receives the same in tests/integration/dns01_hook_test.cc.

#include <gtest/gtest.h>

#include "challenge/hook_provider.h"
#include "challenge/rfc2136_provider.h"

namespace mailcert::challenge {
namespace {

class RecordingRunner final : public sys::ProcessRunner {
 public:
  util::Result<sys::ProcessOutcome> Run(const sys::ProcessRequest& request) override {
    requests.push_back(request);
    return outcome;
  }
  std::vector<sys::ProcessRequest> requests;
  sys::ProcessOutcome outcome{0, "auth-output-7\n", ""};
};

TEST(HookProviderTest, CallsTheProgramAsLegoAndSetsCertbotVariables) {
  RecordingRunner runner;
  ProviderDeps deps;
  deps.runner = &runner;
  auto provider = HookProvider::Make({{"program", "/bin/true"}, {"timeout", "30"}}, deps);
  ASSERT_TRUE(provider) << provider.error().message;
  TxtRecordRequest request{"example.org", "_acme-challenge.example.org", "value-1",
                           "*.example.org", "token-1", {"example.org", "*.example.org"}};
  ASSERT_TRUE((*provider)->AddTxtRecord(request));
  ASSERT_TRUE((*provider)->RemoveTxtRecord(request));
  ASSERT_EQ(runner.requests.size(), 2u);

  const sys::ProcessRequest& present = runner.requests[0];
  EXPECT_EQ(present.argv, (std::vector<std::string>{"/bin/true", "present",
                                                    "_acme-challenge.example.org.", "value-1"}));
  EXPECT_EQ(present.timeout, std::chrono::seconds(30));
  std::map<std::string, std::string> expected = {
      {"CERTBOT_DOMAIN", "example.org"},
      {"CERTBOT_VALIDATION", "value-1"},
      {"CERTBOT_TOKEN", "token-1"},
      {"CERTBOT_ALL_DOMAINS", "example.org,*.example.org"},
      {"MAILCERT_ACTION", "present"},
      {"MAILCERT_IDENTIFIER", "*.example.org"},
      {"MAILCERT_FQDN", "_acme-challenge.example.org"},
      {"MAILCERT_ZONE", "example.org"},
      {"MAILCERT_VALUE", "value-1"},
  };
  EXPECT_EQ(present.extra_env, expected);

  const sys::ProcessRequest& cleanup = runner.requests[1];
  EXPECT_EQ(cleanup.argv[1], "cleanup");
  EXPECT_EQ(cleanup.extra_env.at("MAILCERT_ACTION"), "cleanup");
  // certbot hands the auth hook's output to the cleanup hook.
  EXPECT_EQ(cleanup.extra_env.at("CERTBOT_AUTH_OUTPUT"), "auth-output-7");
}

TEST(HookProviderTest, AFailingProgramIsAnErrorWithItsFirstStderrLine) {
  RecordingRunner runner;
  runner.outcome = {3, "", "zone example.org is locked\nmore detail\n"};
  ProviderDeps deps;
  deps.runner = &runner;
  auto provider = HookProvider::Make({{"EXEC_PATH", "/bin/true"}}, deps);
  ASSERT_TRUE(provider) << provider.error().message;
  auto added = (*provider)->AddTxt("example.org", "_acme-challenge.example.org", "v");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().message,
            "hook /bin/true present _acme-challenge.example.org failed (exit 3): zone "
            "example.org is locked");
}

TEST(HookProviderTest, AMissingProgramIsRefusedBeforeAnyOrder) {
  ProviderDeps deps;
  RecordingRunner runner;
  deps.runner = &runner;
  auto unset = HookProvider::Make({}, deps);
  ASSERT_FALSE(unset);
  EXPECT_NE(unset.error().message.find("program is not set"), std::string::npos);
  auto missing = HookProvider::Make({{"program", "/nonexistent/dns-hook"}}, deps);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, util::ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("/nonexistent/dns-hook"), std::string::npos);
}

TEST(Rfc2136ProviderTest, SettingsErrorsNameTheSettingNeverTheSecret) {
  ProviderDeps deps;
  auto no_key = Rfc2136Provider::Make({{"server", "127.0.0.1"}}, deps);
  ASSERT_FALSE(no_key);
  EXPECT_NE(no_key.error().message.find("no TSIG key"), std::string::npos);

  auto no_name = Rfc2136Provider::Make({{"server", "127.0.0.1"}, {"key_secret", "c2VjcmV0LTE="}},
                                       deps);
  ASSERT_FALSE(no_name);
  EXPECT_NE(no_name.error().message.find("key_name"), std::string::npos);

  auto bad_secret = Rfc2136Provider::Make(
      {{"server", "127.0.0.1"}, {"key_name", "k"}, {"key_secret", "not base64 s3cr3t!"}}, deps);
  ASSERT_FALSE(bad_secret);
  EXPECT_EQ(bad_secret.error().message.find("s3cr3t"), std::string::npos)
      << bad_secret.error().message;

  auto bad_port = Rfc2136Provider::Make(
      {{"server", "127.0.0.1"}, {"key_name", "k"}, {"key_secret", "c2VjcmV0LTE="},
       {"port", "99999"}},
      deps);
  ASSERT_FALSE(bad_port);
  EXPECT_NE(bad_port.error().message.find("port must be a number"), std::string::npos);

  // lego's names, and a server with its own port.
  auto lego = Rfc2136Provider::Make({{"RFC2136_NAMESERVER", "127.0.0.1:5353"},
                                     {"RFC2136_TSIG_KEY", "acme"},
                                     {"RFC2136_TSIG_ALGORITHM", "hmac-sha512."},
                                     {"RFC2136_TSIG_SECRET", "c2VjcmV0LTE="}},
                                    deps);
  ASSERT_TRUE(lego) << lego.error().message;
  EXPECT_EQ((*lego)->Describe(),
            "rfc2136 at 127.0.0.1:5353 with TSIG key 'acme' (hmac-sha512)");
}

}  // namespace
}  // namespace mailcert::challenge
