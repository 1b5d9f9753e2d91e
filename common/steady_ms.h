// Milliseconds on the monotonic clock: for deadlines and rate limits, never
// for wall-clock time.
#pragma once

#include <chrono>

namespace rc {

inline long long SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace rc
