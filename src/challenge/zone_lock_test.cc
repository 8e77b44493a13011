// ZoneLocks on their own, with a stand-in provider: who takes a lock, where its file is, waiting
// for another run (a second ZoneLocks, or a flock held by the test, is another run: flock(2)
// locks of two open files exclude each other even in one process) and giving up. With the real
// providers against their fakes: providers/zone_lock_providers_test.cc.

#include "challenge/zone_lock.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "challenge/powerdns_provider.h"
#include "net/http_client.h"
#include "sys/file_lock.h"
#include "sys/fs.h"

namespace mailcert::challenge {
namespace {

using std::chrono::milliseconds;

class StandInProvider final : public DnsProvider {
 public:
  explicit StandInProvider(std::string rewrite_lock_name)
      : rewrite_lock_name_(std::move(rewrite_lock_name)) {}
  std::string Describe() const override { return "stand-in"; }
  std::string RewriteLockName() const override { return rewrite_lock_name_; }
  util::Result<void> AddTxt(const std::string&, const std::string&, const std::string&) override {
    return {};
  }
  util::Result<void> RemoveTxt(const std::string&, const std::string&,
                               const std::string&) override {
    return {};
  }

 private:
  std::string rewrite_lock_name_;
};

class ZoneLocksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mailcert-zonelock-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    dir_ = sys::JoinPath(root_, "dns-01");
  }
  void TearDown() override { (void)sys::RealFs().RemoveAll(root_); }

  ZoneLockOptions Options(milliseconds wait) {
    ZoneLockOptions options;
    options.wait = wait;
    options.report = [this](const std::string& text) {
      std::lock_guard<std::mutex> lock(mu_);
      reports_.push_back(text);
    };
    return options;
  }
  std::vector<std::string> Reports() {
    std::lock_guard<std::mutex> lock(mu_);
    return reports_;
  }

  std::string root_, dir_;
  std::mutex mu_;
  std::vector<std::string> reports_;
};

TEST_F(ZoneLocksTest, ProviderThatChangesSingleValuesTakesNoLock) {
  ZoneLocks locks(sys::RealFs(), dir_, Options(milliseconds(100)));
  StandInProvider provider("");
  int calls = 0;
  auto result = locks.Run(provider, "example.org", [&]() -> util::Result<void> {
    ++calls;
    return {};
  });
  ASSERT_TRUE(result);
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(sys::RealFs().Stat(dir_)) << "no lock file, not even the directory";
}

TEST_F(ZoneLocksTest, LockFileIsPerProviderAndZoneInTheJournalDirectory) {
  ZoneLocks locks(sys::RealFs(), dir_);
  EXPECT_EQ(locks.LockPath("namecheap", "Example.ORG."), dir_ + "/namecheap-example.org.lock");
  EXPECT_EQ(locks.LockPath("route53", "../x/y.example"), dir_ + "/route53-.._x_y.example.lock");

  StandInProvider provider("namecheap");
  bool held_meanwhile = false;
  auto result = locks.Run(provider, "example.org", [&]() -> util::Result<void> {
    // Another run finds the lock taken while the change runs.
    auto other = sys::FileLock::TryAcquire(dir_ + "/namecheap-example.org.lock");
    held_meanwhile = !other && other.error().code == util::ErrorCode::kConflict;
    return {};
  });
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(held_meanwhile);
  auto dir = sys::RealFs().Stat(dir_);
  ASSERT_TRUE(dir);
  EXPECT_EQ(dir->mode & 0777, 0700u);
  EXPECT_TRUE(sys::FileLock::TryAcquire(dir_ + "/namecheap-example.org.lock"))
      << "released after the change";
}

TEST_F(ZoneLocksTest, WaitsForAnotherRunAndSaysSoOnce) {
  ZoneLocks locks(sys::RealFs(), dir_, Options(std::chrono::seconds(30)));
  ASSERT_TRUE(sys::RealFs().MakeDirs(dir_, 0700));
  auto acquired = sys::FileLock::TryAcquire(locks.LockPath("route53", "example.org"));
  ASSERT_TRUE(acquired);
  std::optional<sys::FileLock> other_run(std::move(*acquired));
  StandInProvider provider("route53");
  std::atomic<bool> changed{false};
  util::Result<void> result;
  std::thread run([&] {
    result = locks.Run(provider, "example.org", [&]() -> util::Result<void> {
      changed = true;
      return {};
    });
  });
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_FALSE(changed) << "changed while another run held the zone";
  other_run.reset();  // the other run ends
  run.join();
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(changed);
  std::vector<std::string> reports = Reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0],
            "dns-01: waiting for another mailcert run changing zone example.org "
            "through route53 (" +
                dir_ + "/route53-example.org.lock)");
}

TEST_F(ZoneLocksTest, GivesUpAfterTheWaitWithoutChanging) {
  ZoneLocks locks(sys::RealFs(), dir_, Options(milliseconds(150)));
  ASSERT_TRUE(sys::RealFs().MakeDirs(dir_, 0700));
  auto other_run = sys::FileLock::TryAcquire(locks.LockPath("godaddy", "example.org"));
  ASSERT_TRUE(other_run);
  StandInProvider provider("godaddy");
  bool changed = false;
  auto result = locks.Run(provider, "example.org", [&]() -> util::Result<void> {
    changed = true;
    return {};
  });
  ASSERT_FALSE(result);
  EXPECT_FALSE(changed);
  EXPECT_EQ(result.error().code, util::ErrorCode::kConflict);
  EXPECT_NE(result.error().message.find("another mailcert run has been changing zone example.org "
                                        "through godaddy"),
            std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("nothing was changed"), std::string::npos);
}

TEST_F(ZoneLocksTest, ThreadsOfOneRunTakeTurnsWithoutWaitingMessages) {
  ZoneLocks locks(sys::RealFs(), dir_, Options(std::chrono::seconds(30)));
  StandInProvider provider("servercow");
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  auto change = [&]() -> util::Result<void> {
    int now = ++inside;
    most = std::max(most.load(), now);
    std::this_thread::sleep_for(milliseconds(100));
    --inside;
    return {};
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] { EXPECT_TRUE(locks.Run(provider, "example.org", change)); });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(most, 1);
  EXPECT_TRUE(Reports().empty());
}

TEST(ZoneLockProvidersTest, PowerDnsRewritesWholeRrsets) {
  // Its PATCH replaces the RRset it read (REPLACE): it takes the zone's lock.
  class NoHttp final : public net::HttpClient {
   public:
    util::Result<net::HttpResponse> Send(const net::HttpRequest&) override {
      return util::Fail(util::ErrorCode::kNetwork, "no network in this test");
    }
  } http;
  ProviderDeps deps;
  deps.http = &http;
  auto provider = PowerDnsProvider::Make(
      {{"api_url", "http://127.0.0.1:8081"}, {"api_key", "pdns-key-for-the-test"}}, deps);
  ASSERT_TRUE(provider) << provider.error().message;
  EXPECT_EQ((*provider)->RewriteLockName(), "powerdns");
}

}  // namespace
}  // namespace mailcert::challenge
