#include "sys/clock.h"

#include <thread>

namespace mailcert::sys {
namespace {

class SystemClock final : public Clock {
 public:
  util::TimePoint Now() override { return std::chrono::system_clock::now(); }
  void SleepFor(std::chrono::milliseconds duration) override {
    std::this_thread::sleep_for(duration);
  }
};

}  // namespace

Clock& RealClock() {
  static SystemClock clock;
  return clock;
}

}  // namespace mailcert::sys
