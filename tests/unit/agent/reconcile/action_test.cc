// Each kind of action keeps the name that log lines, Events and the
// redis_cluster_agent_actions_total{action=...} label have always used.
#include "agent/reconcile/action.h"

#include <gtest/gtest.h>

namespace rc::agent {
namespace {

TEST(ActionName, EveryKindKeepsItsMetricsLabel) {
  EXPECT_STREQ(ActionName(Action{NothingToDo{}, ""}), "nothing");
  EXPECT_STREQ(ActionName(Action{Wait{}, ""}), "wait");
  EXPECT_STREQ(ActionName(Action{Bootstrap{}, ""}), "bootstrap");
  EXPECT_STREQ(ActionName(Action{FixOpenSlots{}, ""}), "fix_open_slots");
  EXPECT_STREQ(ActionName(Action{Meet{}, ""}), "meet");
  EXPECT_STREQ(ActionName(Action{Forget{}, ""}), "forget");
  EXPECT_STREQ(ActionName(Action{PromoteReplica{}, ""}), "promote_replica");
  EXPECT_STREQ(ActionName(Action{DrainLeaving{}, ""}), "drain");
  EXPECT_STREQ(ActionName(Action{RemoveLeaving{}, ""}), "remove_leaving");
  EXPECT_STREQ(ActionName(Action{AssignReplicas{}, ""}), "assign_replicas");
  EXPECT_STREQ(ActionName(Action{Rebalance{}, ""}), "rebalance");
}

TEST(ActionName, OnlyNothingAndWaitLeaveTheClusterAlone) {
  EXPECT_TRUE(IsIdle(Action{NothingToDo{}, ""}));
  EXPECT_TRUE(IsIdle(Action{Wait{}, ""}));
  EXPECT_FALSE(IsIdle(Action{Meet{}, ""}));
  EXPECT_FALSE(IsIdle(Action{Rebalance{}, ""}));
}

}  // namespace
}  // namespace rc::agent
