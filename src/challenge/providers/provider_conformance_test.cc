// What every HTTP-API DNS provider must do, checked against each provider's local fake of its
// vendor API (fake_api.h: the real services cannot be reached from the tests, so each fake
// implements the documented requests, responses and error bodies). Label: integration (the
// fakes listen on loopback sockets and the real curl client talks to them).

#include <gtest/gtest.h>

#include <thread>

#include "challenge/api_providers.h"
#include "challenge/providers/fake_api.h"
#include "challenge/providers/provider_case_test.h"
#include "util/log.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kZone[] = "example.test";
constexpr char kName[] = "_acme-challenge.example.test";

class ProviderConformanceTest : public ProviderCaseTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ProviderCaseTest::SetUp());
    // Records somebody else owns: they must survive everything the provider does.
    fake_->AddRecord({"", kZone, "www.example.test", "A", "192.0.2.80", 3600, 0});
    fake_->AddRecord({"", kZone, "example.test", "TXT", "v=spf1 mx -all", 3600, 0});
    fake_->AddRecord({"", kZone, "example.test", "MX", "mail.example.test", 3600, 10});
    settings_ = GetParam().settings(*fake_);
  }

  std::unique_ptr<DnsProvider> Make(const ProviderSettings& settings) {
    return ProviderCaseTest::Make(settings, *http_);
  }

  void ExpectOthersUntouched() {
    EXPECT_EQ(fake_->Records("www.example.test", "A").size(), 1u);
    EXPECT_EQ(fake_->TxtValues("example.test"), std::vector<std::string>{"v=spf1 mx -all"});
    ASSERT_EQ(fake_->Records("example.test", "MX").size(), 1u);
    EXPECT_EQ(fake_->Records("example.test", "MX")[0].value, "mail.example.test");
    EXPECT_EQ(fake_->Records("example.test", "MX")[0].priority, 10);
  }

  // No credential, right or wrong, may appear in `text`.
  void ExpectNoSecret(const std::string& text, const std::vector<std::string>& more = {}) {
    std::vector<std::string> secrets = GetParam().secrets;
    if (GetParam().lazy_secrets) {
      for (const std::string& secret : GetParam().lazy_secrets()) secrets.push_back(secret);
    }
    secrets.insert(secrets.end(), more.begin(), more.end());
    for (const std::string& secret : secrets) {
      EXPECT_EQ(text.find(secret), std::string::npos) << "secret in: " << text;
    }
  }

  ProviderSettings settings_;
};

TEST_P(ProviderConformanceTest, AddTxtLeavesTheRecordWithValueNameAndTtl) {
  auto provider = Make(settings_);
  ASSERT_NE(provider, nullptr);
  ASSERT_TRUE(provider->AddTxt(kZone, kName, "value-one-xyz"));
  std::vector<FakeRecord> records = fake_->Records(kName);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value, "value-one-xyz");
  EXPECT_EQ(records[0].ttl, GetParam().ttl);
  ExpectOthersUntouched();
}

TEST_P(ProviderConformanceTest, WildcardAndApexValuesShareTheNameAndRemoveTakesExactlyOne) {
  auto provider = Make(settings_);
  ASSERT_NE(provider, nullptr);
  ASSERT_TRUE(provider->AddTxt(kZone, kName, "value-apex"));
  ASSERT_TRUE(provider->AddTxt(kZone, kName, "value-wildcard"));
  EXPECT_EQ(fake_->TxtValues(kName), (std::vector<std::string>{"value-apex", "value-wildcard"}));

  auto removed = provider->RemoveTxt(kZone, kName, "value-apex");
  ASSERT_TRUE(removed) << removed.error().ToString();
  EXPECT_EQ(fake_->TxtValues(kName), std::vector<std::string>{"value-wildcard"});
  // Cleanup runs whatever happened before: removing a value that is gone is success.
  auto again = provider->RemoveTxt(kZone, kName, "value-apex");
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(fake_->TxtValues(kName), std::vector<std::string>{"value-wildcard"});

  ASSERT_TRUE(provider->RemoveTxt(kZone, kName, "value-wildcard"));
  EXPECT_TRUE(fake_->TxtValues(kName).empty());
  ExpectOthersUntouched();
}

TEST_P(ProviderConformanceTest, AddingTheSameValueTwiceKeepsOneRecord) {
  auto provider = Make(settings_);
  ASSERT_NE(provider, nullptr);
  ASSERT_TRUE(provider->AddTxt(kZone, kName, "value-same"));
  auto second = provider->AddTxt(kZone, kName, "value-same");
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(fake_->TxtValues(kName), std::vector<std::string>{"value-same"});
}

TEST_P(ProviderConformanceTest, ConcurrentAddsOnOneNameKeepBothValues) {
  // The solver may present a wildcard's and its apex's challenge at once.
  auto provider = Make(settings_);
  ASSERT_NE(provider, nullptr);
  util::Result<void> first, second;
  std::thread a([&] { first = provider->AddTxt(kZone, kName, "value-thread-a"); });
  std::thread b([&] { second = provider->AddTxt(kZone, kName, "value-thread-b"); });
  a.join();
  b.join();
  ASSERT_TRUE(first) << first.error().ToString();
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(fake_->TxtValues(kName),
            (std::vector<std::string>{"value-thread-a", "value-thread-b"}));
}

TEST_P(ProviderConformanceTest, DeeperNameInTheZone) {
  auto provider = Make(settings_);
  ASSERT_NE(provider, nullptr);
  const std::string name = "_acme-challenge.mail.example.test";
  ASSERT_TRUE(provider->AddTxt(kZone, name, "value-mail"));
  EXPECT_EQ(fake_->TxtValues(name), std::vector<std::string>{"value-mail"});
  EXPECT_TRUE(fake_->TxtValues(kName).empty());
  ASSERT_TRUE(provider->RemoveTxt(kZone, name, "value-mail"));
  EXPECT_TRUE(fake_->TxtValues(name).empty());
}

TEST_P(ProviderConformanceTest, WrongCredentialIsAClearErrorWithoutTheSecret) {
  ProviderSettings wrong = settings_;
  const std::string wrong_value = kWrongCredential;
  if (GetParam().wrong_credential) {
    wrong = GetParam().wrong_credential(settings_);
  } else {
    wrong[GetParam().secret_setting] = wrong_value;
  }
  auto provider = Make(wrong);
  ASSERT_NE(provider, nullptr);
  auto added = provider->AddTxt(kZone, kName, "value-x");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, util::ErrorCode::kInvalidInput) << added.error().ToString();
  EXPECT_NE(added.error().message.find(GetParam().name), std::string::npos)
      << added.error().message;
  ExpectNoSecret(added.error().ToString(), {wrong_value});
  EXPECT_TRUE(fake_->TxtValues(kName).empty());
}

TEST_P(ProviderConformanceTest, UnknownZoneIsNotFoundAndNamed) {
  auto provider = Make(settings_);
  ASSERT_NE(provider, nullptr);
  auto added = provider->AddTxt("missing.test", "_acme-challenge.missing.test", "value-x");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, util::ErrorCode::kNotFound) << added.error().ToString();
  EXPECT_NE(added.error().message.find("missing.test"), std::string::npos) << added.error().message;
  ExpectNoSecret(added.error().ToString());
}

TEST_P(ProviderConformanceTest, ApiErrorBodyIsSummarizedWithTheApiMessage) {
  auto provider = Make(settings_);
  ASSERT_NE(provider, nullptr);
  fake_->FailWrites(400, "record set rejected by policy 17");
  auto added = provider->AddTxt(kZone, kName, "value-x");
  ASSERT_FALSE(added);
  const std::string text = added.error().ToString();
  EXPECT_NE(text.find("record set rejected by policy 17"), std::string::npos) << text;
  EXPECT_NE(text.find(GetParam().name), std::string::npos) << text;
  ExpectNoSecret(text);
  EXPECT_TRUE(fake_->TxtValues(kName).empty());
}

TEST_P(ProviderConformanceTest, MissingSettingIsNamedNeverItsValue) {
  for (const std::string& variable : GetParam().required) {
    ProviderSettings partial = settings_;
    partial.erase(variable);
    auto provider = MakeApiProvider(GetParam().name, partial, *http_);
    ASSERT_FALSE(provider) << variable;
    EXPECT_EQ(provider.error().code, util::ErrorCode::kInvalidInput);
    EXPECT_NE(provider.error().message.find(variable), std::string::npos)
        << provider.error().message;
    ExpectNoSecret(provider.error().ToString());
  }
}

TEST_P(ProviderConformanceTest, AcmeShNameMakesTheSameProviderAndDescribeHasNoSecret) {
  auto provider = MakeApiProvider(GetParam().acme_sh_name, settings_, *http_);
  ASSERT_TRUE(provider) << provider.error().ToString();
  std::string description = (*provider)->Describe();
  EXPECT_NE(description.find(GetParam().name), std::string::npos) << description;
  ExpectNoSecret(description);
  ASSERT_TRUE((*provider)->AddTxt(kZone, kName, "value-by-alias"));
  EXPECT_EQ(fake_->TxtValues(kName), std::vector<std::string>{"value-by-alias"});
}

TEST_P(ProviderConformanceTest, DebugLogCarriesNoSecret) {
  util::LogLevel saved = util::GetLogLevel();
  util::SetLogLevel(util::LogLevel::kDebug);
  ::testing::internal::CaptureStderr();
  auto provider = Make(settings_);
  if (provider) {
    (void)provider->AddTxt(kZone, kName, "value-logged");
    (void)provider->RemoveTxt(kZone, kName, "value-logged");
    (void)provider->AddTxt("missing.test", "_acme-challenge.missing.test", "value-logged");
  }
  std::string log = ::testing::internal::GetCapturedStderr();
  util::SetLogLevel(saved);
  ASSERT_NE(provider, nullptr);
  EXPECT_NE(log.find("http: "), std::string::npos) << "nothing logged at debug level?";
  ExpectNoSecret(log);
}

std::string CaseName(const ::testing::TestParamInfo<ProviderCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Providers, ProviderConformanceTest,
                         ::testing::Values(ServercowCase(), CloudflareCase(), Route53Case(),
                                           AzureCase(), GcloudCase(), DigitalOceanCase(),
                                           HetznerCase(), HetznerCloudCase(), OvhCase(),
                                           NamecheapCase(), GoDaddyCase(), LinodeCase(),
                                           DnsimpleCase(), IonosCase()),
                         CaseName);

TEST(ApiProviderNamesTest, ListsMailcertAndAcmeShNames) {
  std::vector<std::string> names = ApiProviderNames();
  for (const char* expected :
       {"servercow",        "dns_servercow", "cloudflare", "dns_cf",        "route53",
        "dns_aws",          "azure",         "dns_azure",  "gcloud",        "dns_gcloud",
        "digitalocean",     "dns_dgon",      "hetzner",    "dns_hetzner",   "hetznercloud",
        "dns_hetznercloud", "ovh",           "dns_ovh",    "namecheap",     "dns_namecheap",
        "godaddy",          "dns_gd",        "linode",     "dns_linode_v4", "dnsimple",
        "dns_dnsimple",     "ionos",         "dns_ionos"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
}

TEST(ApiProviderNamesTest, UnknownNameListsTheKnownOnes) {
  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider("dns_nosuch", {}, *http);
  ASSERT_FALSE(provider);
  EXPECT_EQ(provider.error().code, util::ErrorCode::kNotFound);
  EXPECT_NE(provider.error().message.find("dns_nosuch"), std::string::npos);
  EXPECT_NE(provider.error().message.find("cloudflare"), std::string::npos);
}

}  // namespace
}  // namespace mailcert::challenge::testing
