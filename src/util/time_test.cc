#include "util/time.h"

#include <gtest/gtest.h>

namespace mailcert::util {
namespace {

TimePoint At(long long seconds) { return TimePoint(std::chrono::seconds(seconds)); }

TEST(Rfc3339, ParsesUtcFractionalAndOffsets) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), At(0));
  EXPECT_EQ(ParseRfc3339("2016-01-20T14:09:07.99Z"), At(1453298947));
  EXPECT_EQ(ParseRfc3339("2016-01-20T16:09:07+02:00"), At(1453298947));
  EXPECT_EQ(ParseRfc3339("2016-01-20T13:39:07-00:30"), At(1453298947));
  EXPECT_FALSE(ParseRfc3339("2016-01-20").has_value());
  EXPECT_FALSE(ParseRfc3339("2016-13-20T00:00:00Z").has_value());
  EXPECT_FALSE(ParseRfc3339("2016-01-20T00:00:00").has_value());
}

TEST(Rfc3339, FormatRoundTrips) {
  EXPECT_EQ(FormatRfc3339(At(1453298947)), "2016-01-20T14:09:07Z");
  EXPECT_EQ(ParseRfc3339(FormatRfc3339(At(1700000000))), At(1700000000));
}

// RFC 9110 §5.6.7: the three forms of the same instant.
TEST(HttpDate, AcceptsAllThreeForms) {
  const TimePoint expected = At(784111777);
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), expected);
  EXPECT_FALSE(ParseHttpDate("yesterday").has_value());
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 PST").has_value());
}

// RFC 9110 §10.2.3: delay-seconds or HTTP-date.
TEST(RetryAfter, SecondsAndDates) {
  const TimePoint now = At(784111777);
  EXPECT_EQ(ParseRetryAfter("120", now), Seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), Seconds(0));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:50:37 GMT", now), Seconds(60));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), Seconds(0));  // past
  EXPECT_FALSE(ParseRetryAfter("-5", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("", now).has_value());
}

TEST(HumanDuration, RoundsToReadableUnits) {
  EXPECT_EQ(HumanDuration(Seconds(40)), "40 s");
  EXPECT_EQ(HumanDuration(Seconds(61)), "2 min");
  EXPECT_EQ(HumanDuration(Seconds(3 * 3600 + 120)), "3 h 2 min");
  EXPECT_EQ(HumanDuration(Seconds(2 * 86400 + 5 * 3600)), "2 d 5 h");
}

}  // namespace
}  // namespace mailcert::util
