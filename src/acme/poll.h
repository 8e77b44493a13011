#pragma once
// Waiting between polls of a pending object (RFC 8555 §7.5.1: "clients SHOULD NOT poll more
// often than Retry-After says"). Delays start short and double up to a cap, so a fast CA is
// followed closely and a slow one is not hammered; a Retry-After from the server always wins
// when it asks for longer; the whole wait is bounded by a deadline, and no delay is ever zero.

#include <chrono>
#include <optional>
#include <string>

#include "sys/clock.h"
#include "util/result.h"
#include "util/time.h"

namespace mailcert::acme {

struct PollPolicy {
  std::chrono::milliseconds first_delay{25};
  std::chrono::milliseconds max_delay{5000};
  std::chrono::seconds deadline{600};
  // A Retry-After longer than this while polling ends the wait with kTimeout instead of
  // sleeping for hours inside one run; the next run picks the object up again.
  std::chrono::seconds max_retry_after{300};
};

class Poller {
 public:
  Poller(sys::Clock& clock, const PollPolicy& policy);

  // Sleeps before the next poll. `retry_after` is the value from the last response, if any.
  // Errors: kTimeout naming `what` when the deadline would be passed.
  util::Result<void> Wait(std::optional<util::Seconds> retry_after, const std::string& what);

  // The delay the next Wait would use (for tests and progress output).
  std::chrono::milliseconds NextDelay(std::optional<util::Seconds> retry_after) const;

 private:
  sys::Clock& clock_;
  PollPolicy policy_;
  util::TimePoint started_;
  std::chrono::milliseconds backoff_;
};

}  // namespace mailcert::acme
