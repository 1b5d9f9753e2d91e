// Tests wait on conditions with deadlines, never on fixed sleeps.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace rc::testing {

// Polls `condition` every `poll` until it returns true or `timeout` passes.
// Returns whether it became true.
bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
             std::chrono::milliseconds poll = std::chrono::milliseconds(20));

}  // namespace rc::testing
