// The one place outside apps/ that reads the machine's clocks (see clock.h).
#include <chrono>

#include "borealis/base/clock.h"

namespace borealis::base {

int64_t RealClock::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t RealClock::MonoNowNs() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

RealClock& RealClock::Get() {
  static RealClock clock;
  return clock;
}

}  // namespace borealis::base
