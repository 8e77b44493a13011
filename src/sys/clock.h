#pragma once
// The time seam: renewal decisions and polling take a Clock so tests can move time.

#include <chrono>

#include "util/time.h"

namespace mailcert::sys {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual util::TimePoint Now() = 0;
  virtual void SleepFor(std::chrono::milliseconds duration) = 0;
};

// The system clock and a real sleep.
Clock& RealClock();

}  // namespace mailcert::sys
