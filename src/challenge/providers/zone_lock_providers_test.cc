// Two mailcert runs adding values to one name at once, through each provider that rewrites a
// whole record set, against that provider's local fake (fake_api.h: the vendors' services cannot
// be reached from the tests). Each "run" has its own provider object and its own ZoneLocks, so
// nothing in-process keeps them apart — only the lock file, as between two processes (flock(2)
// locks of two open files exclude each other within one process too).
//
// To make the race certain rather than likely, both runs share a client that holds every read
// until the other run has made the same read (or a short time has passed): without the lock both
// runs read the record set before either writes it back, and one value is lost.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "challenge/api_providers.h"
#include "challenge/providers/fake_api.h"
#include "challenge/providers/provider_case_test.h"
#include "challenge/zone_lock.h"
#include "sys/fs.h"

namespace mailcert::challenge::testing {
namespace {

using std::chrono::milliseconds;

constexpr char kZone[] = "example.test";
constexpr char kName[] = "_acme-challenge.example.test";

// Passes requests to the real client; holds the answer to a read until another thread has had
// the same read answered, or `wait` has passed.
class PairedReadsClient final : public net::HttpClient {
 public:
  PairedReadsClient(net::HttpClient& inner, milliseconds wait) : inner_(inner), wait_(wait) {}

  util::Result<net::HttpResponse> Send(const net::HttpRequest& request) override {
    auto response = inner_.Send(request);
    // Namecheap reads with a POST of Command=namecheap.domains.dns.getHosts.
    if (request.method != "GET" && request.body.find(".getHosts") == std::string::npos) {
      return response;
    }
    std::unique_lock<std::mutex> lock(mu_);
    Meeting& meeting = meetings_[request.method + " " + request.url + " " + request.body];
    if (meeting.waiting) {
      meeting.waiting = false;
      ++meeting.met;
      met_.notify_all();
    } else {
      meeting.waiting = true;
      uint64_t before = meeting.met;
      if (!met_.wait_for(lock, wait_, [&] { return meeting.met != before; })) {
        meeting.waiting = false;
      }
    }
    return response;
  }

 private:
  struct Meeting {
    bool waiting = false;
    uint64_t met = 0;
  };
  net::HttpClient& inner_;
  milliseconds wait_;
  std::mutex mu_;
  std::condition_variable met_;
  std::map<std::string, Meeting> meetings_;
};

class ZoneLockProvidersTest : public ProviderCaseTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ProviderCaseTest::SetUp());
    char pattern[] = "/tmp/mailcert-zonelocks-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    state_ = pattern;
  }
  void TearDown() override { (void)sys::RealFs().RemoveAll(state_); }

  std::unique_ptr<DnsProvider> Make(net::HttpClient& http) {
    return ProviderCaseTest::Make(GetParam().settings(*fake_), http);
  }

  // Two runs add one value each at the same moment; `locked` runs each change through the run's
  // own ZoneLocks on <state>/dns-01, as the dns-01 solver does.
  std::pair<util::Result<void>, util::Result<void>> AddAtOnce(net::HttpClient& http, bool locked) {
    auto provider_a = Make(http);
    auto provider_b = Make(http);
    EXPECT_TRUE(provider_a && provider_b);
    if (!provider_a || !provider_b) return {};
    const std::string dir = sys::JoinPath(state_, "dns-01");
    ZoneLocks locks_a(sys::RealFs(), dir);
    ZoneLocks locks_b(sys::RealFs(), dir);
    util::Result<void> a, b;
    auto add = [&](DnsProvider& provider, ZoneLocks& locks, const std::string& value) {
      auto change = [&] { return provider.AddTxt(kZone, kName, value); };
      return locked ? locks.Run(provider, kZone, change) : change();
    };
    std::thread run_a([&] { a = add(*provider_a, locks_a, "value-timer-run"); });
    std::thread run_b([&] { b = add(*provider_b, locks_b, "value-admin-run"); });
    run_a.join();
    run_b.join();
    return {a, b};
  }

  std::string state_;
};

TEST_P(ZoneLockProvidersTest, ProviderRewritesWholeRecordSetsAndSaysSo) {
  auto provider = Make(*http_);
  ASSERT_NE(provider, nullptr);
  EXPECT_EQ(provider->RewriteLockName(), GetParam().name);
}

TEST_P(ZoneLockProvidersTest, TwoRunsAddingAtOnceUnderTheZoneLockKeepBothValues) {
  // Reads wait briefly for a partner: under the lock none comes, so each costs 100 ms.
  PairedReadsClient paired(*http_, milliseconds(100));
  auto [a, b] = AddAtOnce(paired, /*locked=*/true);
  ASSERT_TRUE(a) << a.error().ToString();
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_EQ(fake_->TxtValues(kName),
            (std::vector<std::string>{"value-admin-run", "value-timer-run"}));
  EXPECT_TRUE(sys::RealFs().Stat(
      sys::JoinPath(state_, "dns-01/" + GetParam().name + "-example.test.lock")));
}

TEST_P(ZoneLockProvidersTest, WithoutTheLockTheRaceLosesAValueOrFailsARun) {
  // The control: proves the paired reads really interleave the two runs, so the test above
  // would catch a lock that does not hold.
  PairedReadsClient paired(*http_, milliseconds(10000));
  auto [a, b] = AddAtOnce(paired, /*locked=*/false);
  bool both_kept =
      fake_->TxtValues(kName) == std::vector<std::string>{"value-admin-run", "value-timer-run"};
  EXPECT_FALSE(a && b && both_kept) << "the fake did not reproduce the lost update";
}

std::string CaseName(const ::testing::TestParamInfo<ProviderCase>& info) { return info.param.name; }

// The HTTP-API providers whose DnsProvider::RewriteLockName is not empty (the other one,
// powerdns, is checked in zone_lock_test.cc).
INSTANTIATE_TEST_SUITE_P(RecordSetRewriters, ZoneLockProvidersTest,
                         ::testing::Values(ServercowCase(), Route53Case(), AzureCase(),
                                           GcloudCase(), NamecheapCase(), GoDaddyCase()),
                         CaseName);

TEST(ZoneLockProvidersNamesTest, ProvidersThatChangeSingleValuesTakeNoLock) {
  auto http = MakeTestHttpClient();
  for (ProviderCase c : {CloudflareCase(), DigitalOceanCase(), HetznerCase(), HetznerCloudCase(),
                         OvhCase(), LinodeCase(), DnsimpleCase(), IonosCase()}) {
    auto fake = c.make_fake();
    auto provider = MakeApiProvider(c.name, c.settings(*fake), *http);
    ASSERT_TRUE(provider) << c.name;
    EXPECT_EQ((*provider)->RewriteLockName(), "") << c.name;
  }
}

}  // namespace
}  // namespace mailcert::challenge::testing
