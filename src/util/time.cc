#include "util/time.h"

#include <cctype>
#include <cstdio>
#include <ctime>

#include "util/strings.h"

namespace mailcert::util {
namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

std::optional<TimePoint> FromFields(int year, int month, int day, int hour, int minute,
                                    int second) {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second;
  return TimePoint(std::chrono::seconds(seconds));
}

int MonthFromName(std::string_view name) {
  static constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};
  for (int i = 0; i < 12; ++i) {
    if (EqualsIgnoreCase(name, kMonths[i])) return i + 1;
  }
  return 0;
}

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::optional<TimePoint> ParseRfc3339(std::string_view text) {
  int year, month, day, hour, minute, second, consumed = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &year, &month, &day, &hour,
                  &minute, &second, &consumed) != 6) {
    return std::nullopt;
  }
  std::string_view rest = text.substr(static_cast<size_t>(consumed));
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) {
      rest.remove_prefix(1);
    }
  }
  int offset_seconds = 0;
  if (rest == "Z" || rest == "z") {
    offset_seconds = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
             AllDigits(rest.substr(1, 2)) && AllDigits(rest.substr(4, 2))) {
    int hours = (rest[1] - '0') * 10 + (rest[2] - '0');
    int minutes = (rest[4] - '0') * 10 + (rest[5] - '0');
    offset_seconds = (hours * 3600 + minutes * 60) * (rest[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  auto time = FromFields(year, month, day, hour, minute, second);
  if (!time) return std::nullopt;
  return *time - std::chrono::seconds(offset_seconds);
}

std::string FormatRfc3339(TimePoint time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::optional<TimePoint> ParseHttpDate(std::string_view text) {
  std::string copy(Trim(text));
  char weekday[16] = {}, month_name[4] = {}, zone[4] = {};
  int day, year, hour, minute, second;
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  if (std::sscanf(copy.c_str(), "%3s, %2d %3s %4d %2d:%2d:%2d %3s", weekday, &day, month_name,
                  &year, &hour, &minute, &second, zone) == 8 &&
      EqualsIgnoreCase(zone, "GMT")) {
    return FromFields(year, MonthFromName(month_name), day, hour, minute, second);
  }
  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT (two-digit years: RFC 9110 §5.6.7, 50-year rule).
  if (std::sscanf(copy.c_str(), "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d %3s", weekday, &day,
                  month_name, &year, &hour, &minute, &second, zone) == 8 &&
      EqualsIgnoreCase(zone, "GMT")) {
    year += year < 70 ? 2000 : 1900;
    return FromFields(year, MonthFromName(month_name), day, hour, minute, second);
  }
  // asctime: Sun Nov  6 08:49:37 1994
  if (std::sscanf(copy.c_str(), "%3s %3s %d %2d:%2d:%2d %4d", weekday, month_name, &day, &hour,
                  &minute, &second, &year) == 7) {
    return FromFields(year, MonthFromName(month_name), day, hour, minute, second);
  }
  return std::nullopt;
}

std::optional<Seconds> ParseRetryAfter(std::string_view value, TimePoint now) {
  std::string_view trimmed = Trim(value);
  if (AllDigits(trimmed)) {
    if (trimmed.size() > 9) return Seconds(999999999);  // absurd, but a number; callers cap it
    return Seconds(std::stoll(std::string(trimmed)));
  }
  auto date = ParseHttpDate(trimmed);
  if (!date) return std::nullopt;
  if (*date <= now) return Seconds(0);
  return std::chrono::ceil<Seconds>(*date - now);
}

std::string HumanDuration(Seconds duration) {
  long long total = duration.count();
  if (total < 0) total = 0;
  char buffer[64];
  if (total >= 86400) {
    std::snprintf(buffer, sizeof buffer, "%lld d %lld h", total / 86400, (total % 86400) / 3600);
  } else if (total >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%lld h %lld min", total / 3600, (total % 3600) / 60);
  } else if (total >= 60) {
    std::snprintf(buffer, sizeof buffer, "%lld min", (total + 59) / 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lld s", total);
  }
  return buffer;
}

}  // namespace mailcert::util
