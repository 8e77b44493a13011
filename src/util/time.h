#pragma once
// Time formats on the wire: RFC 3339 timestamps (ACME objects, RFC 8555 §7.1) and HTTP-dates
// (Retry-After, RFC 9110 §10.2.3 and §5.6.7).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mailcert::util {

using TimePoint = std::chrono::system_clock::time_point;
using Seconds = std::chrono::seconds;

// "2026-11-21T22:19:06Z", fractional seconds and numeric offsets accepted.
std::optional<TimePoint> ParseRfc3339(std::string_view text);
// UTC, second precision, "Z" suffix.
std::string FormatRfc3339(TimePoint time);

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), and the obsolete RFC 850 and asctime forms that
// RFC 9110 §5.6.7 says recipients must accept.
std::optional<TimePoint> ParseHttpDate(std::string_view text);

// Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns the delay
// from `now` (zero for a date in the past), or nullopt when the value is neither form.
std::optional<Seconds> ParseRetryAfter(std::string_view value, TimePoint now);

// "3 d 4 h", "12 min", "40 s": a short human rendering of a duration, for messages.
std::string HumanDuration(Seconds duration);

}  // namespace mailcert::util
