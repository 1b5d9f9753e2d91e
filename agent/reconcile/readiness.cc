#include "agent/reconcile/readiness.h"

namespace rc::agent {

Readiness JudgeReadiness(const ObservedNode& self, bool cluster_exists) {
  if (!self.reachable) return {false, "this pod's redis does not answer: " + self.error};
  const ClusterNode* me = self.Myself();
  if (!self.HasClusterState() || me == nullptr) {
    if (!cluster_exists) return {true, "no cluster yet: waiting for the coordinator to create it"};
    return {false, "not part of the cluster yet: waiting for the coordinator to join it"};
  }
  if (me->flags.replica) {
    if (self.replication_link_up)
      return {true, "replica of " + ShortId(me->master_id) + ", in sync"};
    return {false, "replica of " + ShortId(me->master_id) +
                       ": replication link down or first sync still running"};
  }
  if (!me->slots.Empty())
    return {true, "master of " + std::to_string(me->slots.Count()) + " slots"};
  return {false, "master without slots: waiting for a replica role or a rebalance"};
}

}  // namespace rc::agent
