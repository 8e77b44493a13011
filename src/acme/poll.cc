#include "acme/poll.h"

#include <algorithm>

namespace mailcert::acme {

Poller::Poller(sys::Clock& clock, const PollPolicy& policy)
    : clock_(clock), policy_(policy), started_(clock.Now()), backoff_(policy.first_delay) {}

std::chrono::milliseconds Poller::NextDelay(std::optional<util::Seconds> retry_after) const {
  std::chrono::milliseconds delay = backoff_;
  if (retry_after) delay = std::max<std::chrono::milliseconds>(delay, *retry_after);
  return std::max(delay, std::chrono::milliseconds(1));
}

util::Result<void> Poller::Wait(std::optional<util::Seconds> retry_after, const std::string& what) {
  if (retry_after && *retry_after > policy_.max_retry_after) {
    return util::Fail(util::ErrorCode::kTimeout,
                      what + ": the CA asks to check back in " +
                          util::HumanDuration(*retry_after) + "; the next run will continue");
  }
  std::chrono::milliseconds delay = NextDelay(retry_after);
  auto waited = clock_.Now() - started_;
  if (waited + delay > policy_.deadline) {
    return util::Fail(util::ErrorCode::kTimeout,
                      what + ": still not done after " +
                          util::HumanDuration(std::chrono::duration_cast<util::Seconds>(waited)));
  }
  clock_.SleepFor(delay);
  backoff_ = std::min(backoff_ * 2, policy_.max_delay);
  return {};
}

}  // namespace mailcert::acme
