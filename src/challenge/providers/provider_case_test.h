#pragma once
// The fixture of the tests that run over every HTTP-API provider (GetParam() is the provider's
// case from its own test file): the provider's fake started, and the curl client that reaches it.

#include <gtest/gtest.h>

#include <memory>

#include "challenge/api_providers.h"
#include "challenge/providers/fake_api.h"

namespace mailcert::challenge::testing {

class ProviderCaseTest : public ::testing::TestWithParam<ProviderCase> {
 protected:
  void SetUp() override {
    fake_ = GetParam().make_fake();
    ASSERT_NE(fake_, nullptr);
    http_ = MakeTestHttpClient();
    ASSERT_NE(http_, nullptr);
  }

  // The provider under test with `settings`, talking through `http`.
  std::unique_ptr<DnsProvider> Make(const ProviderSettings& settings, net::HttpClient& http) {
    auto provider = MakeApiProvider(GetParam().name, settings, http);
    EXPECT_TRUE(provider) << provider.error().ToString();
    return provider ? std::move(*provider) : nullptr;
  }

  std::unique_ptr<FakeApi> fake_;
  std::unique_ptr<net::HttpClient> http_;
};

}  // namespace mailcert::challenge::testing
