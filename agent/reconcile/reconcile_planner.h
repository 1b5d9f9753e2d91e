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
//   9. uneven slots -> rebalance (roles that must wait hold up only this step)
//
// Slot moves (7 and 9) are decided with the engine's own pure planning
// (engine::PlanRebalance, with MigrationOptions) on the cluster as the engine
// sees it from the reference (engine::BuildClusterView: the reference's
// CLUSTER NODES, each member the authority on its own role), so "uneven"
// here means the engine has slots to move. They wait while a master that
// gives or receives slots does not know another node of the plan yet (its
// SETSLOT MIGRATING / IMPORTING would fail with "I don't know about node").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/engine/planner.h"
#include "agent/reconcile/action.h"
#include "agent/reconcile/observation.h"
#include "agent/reconcile/role_planner.h"

namespace rc::agent {

// The member whose CLUSTER NODES is taken as the cluster's view: a staying,
// reachable node with cluster state that knows the most nodes (lowest ordinal
// on ties); nullptr when no node has cluster state.
const ObservedNode* ReferenceNode(const Observation& obs);

// The cluster as the migration engine sees it from `reference`: the
// reference's CLUSTER NODES, each member the authority on its own role (a node
// the reference still lists as master but that says it is a replica is one).
engine::ClusterView EngineView(const Observation& obs, const ObservedNode& reference);

// The options the engine plans a Rebalance / DrainLeaving with: the planner
// decides with them and the actuator runs with them (same weights, same threshold).
engine::PlanOptions MigrationOptions(const std::map<std::string, double>& weights);

Action PlanNextAction(const Observation& obs, const DesiredState& desired);

}  // namespace rc::agent
