// The coordinator's decision, one action per loop: a pure function from what
// the loop observed (pods and what each redis says) to the next step. No I/O.
//
// Order of concerns (the first that applies wins):
//   1. nothing answers -> wait
//   2. no node has cluster state -> create it, only when every pod answers
//      (never "create" while any peer holds cluster state: join and heal instead)
//   3. open slots -> fix them; a master whose pod came back as a new node
//      (redis never marks it failed) -> promote its replica
//   4. pods not in the cluster, or known on an old address -> MEET
//   5. failed nodes no pod runs any more (no slots) -> FORGET
//   6. roles: new pods, orphaned replicas, uneven replica counts -> REPLICATE
//   7. leaving masters (ordinal >= spec.replicas) with slots -> drain
//   8. drained leaving nodes -> reset and forget
//   9. uneven slots -> rebalance
#pragma once

#include <string>
#include <vector>

#include "agent/reconcile/action.h"
#include "agent/reconcile/observation.h"
#include "agent/reconcile/role_planner.h"

namespace rc::agent {

// The member whose CLUSTER NODES is taken as the cluster's view: a staying,
// reachable node with cluster state that knows the most nodes (lowest ordinal
// on ties); nullptr when no node has cluster state.
const ObservedNode* ReferenceNode(const Observation& obs);

Action PlanNextAction(const Observation& obs, const DesiredState& desired);

}  // namespace rc::agent
