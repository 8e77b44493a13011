#pragma once
// When a certificate is due: a pure function of the stored version, what is wanted now, the
// lineage's failure history and the time (design.md: decisions are pure, so they get table
// tests).
//
// The rule (issue #2; Let's Encrypt integration guide; certbot ≥ 4.0 and lego use the same):
// due when less than one third of the lifetime remains — one half for lifetimes under 10 days —
// or when the names or the key type changed, or when forced. After failures, attempts back off
// 1 min → 10 min → 100 min → … capped at one day (LE's guidance), unless forced.

#include <optional>
#include <string>
#include <vector>

#include "store/records.h"
#include "util/time.h"

namespace mailcert::plan {

enum class RenewalReason {
  kNotDue,
  kNoCertificate,
  kExpiring,
  kNamesChanged,
  kKeyTypeChanged,
  kForced,
  kRevoked,
};

const char* RenewalReasonName(RenewalReason reason);

struct RenewalDecision {
  bool due = false;
  RenewalReason reason = RenewalReason::kNotDue;
  util::TimePoint due_at;  // when the lifetime rule makes it due (for "next due" columns)
  // Set when it is due but the last failure's backoff has not run out: do not try before then.
  std::optional<util::TimePoint> backing_off_until;
  std::string explanation;  // one line for humans
};

// not_after minus a third of the lifetime (a half when the lifetime is under 10 days).
util::TimePoint RenewalTime(util::TimePoint not_before, util::TimePoint not_after);

// 1 min × 10^(failures−1), capped at one day; zero without failures.
util::Seconds BackoffAfter(int consecutive_failures);

struct Wanted {
  std::vector<std::string> names;
  std::string key_type;
  bool force = false;
};

RenewalDecision DecideRenewal(const std::optional<store::VersionMeta>& current,
                              const Wanted& wanted, const store::LineageState& state,
                              util::TimePoint now);

}  // namespace mailcert::plan
