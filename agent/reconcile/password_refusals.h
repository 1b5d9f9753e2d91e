// What the agent says when redis refuses its password (agent_user_connector.h):
// which pods, why, and what to do; once when the set of pods changes, then
// every `repeat` while it lasts, and once when every pod accepts it again.
// Such pods are not members for the planner (they do not answer), so the
// cluster waits for them instead of moving data to or from them.
//
// Pure: the loop gives it the pods and the time, so tests use a fake clock.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/reconcile/observation.h"

namespace rc::agent {

struct PasswordNotice {
  enum class Kind { kNone, kWarn, kResolved };
  Kind kind = Kind::kNone;
  std::string text;  // one line for the log; kWarn: also the Event's message
};

class PasswordRefusals {
 public:
  using Clock = std::chrono::steady_clock;
  explicit PasswordRefusals(std::chrono::milliseconds repeat = std::chrono::minutes(1))
      : repeat_(repeat) {}

  // `nodes`: what this loop saw (the coordinator: every pod; other agents:
  // their own pod only).
  PasswordNotice Observe(Clock::time_point now, const std::vector<ObservedNode>& nodes);

 private:
  std::chrono::milliseconds repeat_;
  std::set<std::string> said_pods_;
  std::optional<Clock::time_point> said_at_;
};

}  // namespace rc::agent
