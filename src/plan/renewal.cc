#include "plan/renewal.h"

#include <algorithm>
#include <set>

#include "util/strings.h"

namespace mailcert::plan {
namespace {

std::set<std::string> NameSet(const std::vector<std::string>& names) {
  std::set<std::string> set;
  for (const auto& name : names) set.insert(util::ToLower(name));
  return set;
}

}  // namespace

const char* RenewalReasonName(RenewalReason reason) {
  switch (reason) {
    case RenewalReason::kNotDue: return "not-due";
    case RenewalReason::kNoCertificate: return "no-certificate";
    case RenewalReason::kExpiring: return "expiring";
    case RenewalReason::kNamesChanged: return "names-changed";
    case RenewalReason::kKeyTypeChanged: return "key-type-changed";
    case RenewalReason::kForced: return "forced";
    case RenewalReason::kRevoked: return "revoked";
  }
  return "unknown";
}

util::TimePoint RenewalTime(util::TimePoint not_before, util::TimePoint not_after) {
  const auto lifetime = not_after - not_before;
  const auto divisor = lifetime < std::chrono::hours(24 * 10) ? 2 : 3;
  return not_after - lifetime / divisor;
}

util::Seconds BackoffAfter(int consecutive_failures) {
  if (consecutive_failures <= 0) return util::Seconds(0);
  util::Seconds backoff(60);
  for (int i = 1; i < consecutive_failures && backoff < std::chrono::hours(24); ++i) backoff *= 10;
  return std::min<util::Seconds>(backoff, std::chrono::hours(24));
}

RenewalDecision DecideRenewal(const std::optional<store::VersionMeta>& current,
                              const Wanted& wanted, const store::LineageState& state,
                              util::TimePoint now) {
  RenewalDecision decision;
  if (current) decision.due_at = RenewalTime(current->not_before, current->not_after);
  if (wanted.force) {
    decision.due = true;
    decision.reason = RenewalReason::kForced;
    decision.explanation = "forced";
  } else if (!current) {
    decision.due = true;
    decision.reason = RenewalReason::kNoCertificate;
    decision.explanation = "no certificate yet";
  } else if (std::find(state.revoked_serials.begin(), state.revoked_serials.end(),
                       current->serial_hex) != state.revoked_serials.end()) {
    decision.due = true;
    decision.reason = RenewalReason::kRevoked;
    decision.explanation = "the current certificate (serial " + current->serial_hex +
                           ") was revoked";
  } else if (NameSet(current->names) != NameSet(wanted.names)) {
    decision.due = true;
    decision.reason = RenewalReason::kNamesChanged;
    decision.explanation = "names changed from " + util::Join(current->names, ", ") + " to " +
                           util::Join(wanted.names, ", ");
  } else if (!wanted.key_type.empty() && current->key_type != wanted.key_type) {
    decision.due = true;
    decision.reason = RenewalReason::kKeyTypeChanged;
    decision.explanation = "key type changed from " + current->key_type + " to " + wanted.key_type;
  } else if (now >= decision.due_at) {
    decision.due = true;
    decision.reason = RenewalReason::kExpiring;
    decision.explanation =
        "expires " + util::FormatRfc3339(current->not_after) + ", renewal was due " +
        util::FormatRfc3339(decision.due_at);
  } else {
    decision.explanation = "not due before " + util::FormatRfc3339(decision.due_at);
    return decision;
  }
  if (!wanted.force && state.consecutive_failures > 0 && state.last_attempt) {
    util::TimePoint retry_at = *state.last_attempt + BackoffAfter(state.consecutive_failures);
    if (retry_at > now) {
      decision.backing_off_until = retry_at;
      decision.explanation += "; backing off after " +
                              std::to_string(state.consecutive_failures) +
                              " failed attempt(s) until " + util::FormatRfc3339(retry_at);
    }
  }
  return decision;
}

}  // namespace mailcert::plan
