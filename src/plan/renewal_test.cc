#include "plan/renewal.h"

#include <gtest/gtest.h>

namespace mailcert::plan {
namespace {

using std::chrono::hours;
constexpr auto kDay = hours(24);
const util::TimePoint kIssued = util::TimePoint(std::chrono::seconds(1700000000));

store::VersionMeta Version(std::chrono::hours lifetime,
                           std::vector<std::string> names = {"mail.example.test"},
                           std::string key_type = "ec256") {
  store::VersionMeta meta;
  meta.names = std::move(names);
  meta.key_type = std::move(key_type);
  meta.not_before = kIssued;
  meta.not_after = kIssued + lifetime;
  return meta;
}

Wanted Want(std::vector<std::string> names = {"mail.example.test"}, std::string key = "ec256",
            bool force = false) {
  return Wanted{std::move(names), std::move(key), force};
}

struct Row {
  const char* what;
  std::chrono::hours lifetime;
  std::chrono::hours age;  // now − not_before
  bool due;
};

// One third of the lifetime left (one half under 10 days) — issue #2's renewal rule.
TEST(RenewalRule, LifetimeTable) {
  const Row rows[] = {
      {"90-day, day 59", 90 * kDay, 59 * kDay, false},
      {"90-day, day 60 (30 left = 1/3)", 90 * kDay, 60 * kDay, true},
      {"90-day, day 61", 90 * kDay, 61 * kDay, true},
      {"45-day, day 29", 45 * kDay, 29 * kDay, false},
      {"45-day, day 30 (15 left)", 45 * kDay, 30 * kDay, true},
      {"6-day (160 h), 79 h", hours(160), hours(79), false},
      {"6-day (160 h), 80 h (half)", hours(160), hours(80), true},
      {"10-day exactly uses thirds, day 6", 10 * kDay, 6 * kDay, false},
      {"10-day exactly uses thirds, day 7", 10 * kDay, 7 * kDay, true},
      {"9-day uses halves, day 4", 9 * kDay, 4 * kDay, false},
      {"9-day uses halves, day 5", 9 * kDay, 5 * kDay, true},
      {"expired", 90 * kDay, 100 * kDay, true},
  };
  for (const Row& row : rows) {
    auto decision = DecideRenewal(Version(row.lifetime), Want(), {}, kIssued + row.age);
    EXPECT_EQ(decision.due, row.due) << row.what << ": " << decision.explanation;
    if (row.due) {
      EXPECT_EQ(decision.reason, RenewalReason::kExpiring) << row.what;
    }
  }
}

TEST(RenewalRule, NamesKeyTypeMissingAndForce) {
  const util::TimePoint early = kIssued + kDay;
  EXPECT_EQ(DecideRenewal(std::nullopt, Want(), {}, early).reason, RenewalReason::kNoCertificate);
  auto names = DecideRenewal(Version(90 * kDay), Want({"mail.example.test", "imap.example.test"}),
                             {}, early);
  EXPECT_TRUE(names.due);
  EXPECT_EQ(names.reason, RenewalReason::kNamesChanged);
  // Order and case of names do not matter.
  auto same = DecideRenewal(Version(90 * kDay, {"b.example.test", "a.example.test"}),
                            Want({"A.example.test", "b.example.test"}), {}, early);
  EXPECT_FALSE(same.due) << same.explanation;
  auto key = DecideRenewal(Version(90 * kDay), Want({"mail.example.test"}, "rsa2048"), {}, early);
  EXPECT_EQ(key.reason, RenewalReason::kKeyTypeChanged);
  auto forced = DecideRenewal(Version(90 * kDay), Want({"mail.example.test"}, "ec256", true), {},
                              early);
  EXPECT_EQ(forced.reason, RenewalReason::kForced);
  EXPECT_EQ(DecideRenewal(Version(90 * kDay), Want(), {}, early).due_at, kIssued + 60 * kDay);
  store::VersionMeta revoked_version = Version(90 * kDay);
  revoked_version.serial_hex = "0abc";
  store::LineageState revoked;
  revoked.revoked_serials = {"0abc"};
  EXPECT_EQ(DecideRenewal(revoked_version, Want(), revoked, early).reason, RenewalReason::kRevoked);
  revoked.revoked_serials = {"0def"};
  EXPECT_FALSE(DecideRenewal(revoked_version, Want(), revoked, early).due);
}

TEST(RenewalRule, BackoffAfterFailuresUnlessForced) {
  EXPECT_EQ(BackoffAfter(0), util::Seconds(0));
  EXPECT_EQ(BackoffAfter(1), util::Seconds(60));
  EXPECT_EQ(BackoffAfter(2), util::Seconds(600));
  EXPECT_EQ(BackoffAfter(3), util::Seconds(6000));
  EXPECT_EQ(BackoffAfter(4), util::Seconds(60000));
  EXPECT_EQ(BackoffAfter(5), util::Seconds(86400));
  EXPECT_EQ(BackoffAfter(40), util::Seconds(86400));

  store::LineageState failing;
  failing.consecutive_failures = 2;
  const util::TimePoint now = kIssued + 70 * kDay;
  failing.last_attempt = now - std::chrono::minutes(5);
  auto waiting = DecideRenewal(Version(90 * kDay), Want(), failing, now);
  EXPECT_TRUE(waiting.due);
  ASSERT_TRUE(waiting.backing_off_until);
  EXPECT_EQ(*waiting.backing_off_until, now + std::chrono::minutes(5));
  failing.last_attempt = now - std::chrono::minutes(11);
  EXPECT_FALSE(DecideRenewal(Version(90 * kDay), Want(), failing, now).backing_off_until);
  failing.last_attempt = now;
  EXPECT_FALSE(DecideRenewal(Version(90 * kDay), Want({"mail.example.test"}, "ec256", true),
                             failing, now)
                   .backing_off_until);
}

}  // namespace
}  // namespace mailcert::plan
