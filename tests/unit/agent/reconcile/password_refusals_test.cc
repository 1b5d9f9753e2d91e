// What the agent says when redis refuses its password: the pods, the reason,
// once per change and then every minute, and once when it is over. A fake
// clock drives it.
#include "agent/reconcile/password_refusals.h"

#include <gtest/gtest.h>

namespace rc::agent {
namespace {

using namespace std::chrono_literals;
using Clock = PasswordRefusals::Clock;

ObservedNode Node(const std::string& pod, bool refused) {
  ObservedNode n;
  n.pod.name = pod;
  n.reachable = !refused;
  n.auth_refused = refused;
  if (refused) n.error = "redis 10.0.0.7:6379 refuses the agent's password, as user x";
  return n;
}

TEST(PasswordRefusals, NamesThePodsAndTheReasonOnceThenEveryMinute) {
  PasswordRefusals refusals(60s);
  Clock::time_point t0{};
  std::vector<ObservedNode> nodes = {Node("redis-0", false), Node("redis-6", true),
                                     Node("redis-7", true)};
  PasswordNotice first = refusals.Observe(t0, nodes);
  ASSERT_EQ(first.kind, PasswordNotice::Kind::kWarn);
  EXPECT_NE(first.text.find("2 pods refuse the agent's password (redis-6, redis-7)"),
            std::string::npos)
      << first.text;
  EXPECT_NE(first.text.find("moves nothing to or from them"), std::string::npos) << first.text;
  EXPECT_NE(first.text.find("refuses the agent's password, as user x"), std::string::npos);
  EXPECT_EQ(first.text.find("redis-0"), std::string::npos) << first.text;

  EXPECT_EQ(refusals.Observe(t0 + 30s, nodes).kind, PasswordNotice::Kind::kNone);
  EXPECT_EQ(refusals.Observe(t0 + 61s, nodes).kind, PasswordNotice::Kind::kWarn);
  // A change is said at once.
  nodes[2] = Node("redis-7", false);
  PasswordNotice changed = refusals.Observe(t0 + 62s, nodes);
  ASSERT_EQ(changed.kind, PasswordNotice::Kind::kWarn);
  EXPECT_NE(changed.text.find("1 pod refuses the agent's password (redis-6)"), std::string::npos)
      << changed.text;
}

TEST(PasswordRefusals, SaysOnceWhenEveryPodAcceptsItAgain) {
  PasswordRefusals refusals(60s);
  Clock::time_point t0{};
  EXPECT_EQ(refusals.Observe(t0, {Node("redis-0", false)}).kind, PasswordNotice::Kind::kNone);
  ASSERT_EQ(refusals.Observe(t0, {Node("redis-1", true)}).kind, PasswordNotice::Kind::kWarn);
  PasswordNotice over = refusals.Observe(t0 + 1s, {Node("redis-1", false)});
  ASSERT_EQ(over.kind, PasswordNotice::Kind::kResolved);
  EXPECT_NE(over.text.find("accepted again"), std::string::npos) << over.text;
  EXPECT_NE(over.text.find("redis-1"), std::string::npos) << over.text;
  EXPECT_EQ(refusals.Observe(t0 + 2s, {Node("redis-1", false)}).kind, PasswordNotice::Kind::kNone);
}

}  // namespace
}  // namespace rc::agent
