// Roles for the pods that stay: which nodes are masters holding slots and
// which replicas (re)attach where. Pure; part of the reconcile planner.
//
// - Masters with slots keep them; empty masters (new pods) stay masters while
//   fewer than spec.replicas / (1 + replicas-per-master) masters exist (those
//   already followed by a replica first, then by ordinal); the rest become
//   replicas of the master with the fewest replicas, on another host (then
//   zone) where possible.
// - More masters with slots than wanted (a scale-down took replicas away): the
//   highest ordinals are left out of `masters`, so the balance step moves their
//   slots away (weight 0) and they then become replicas.
// - Replicas whose master leaves, failed without slots, or is unknown move.
// - A round is assigned at once, and only when every staying pod has joined
//   and knows its new master; replicas on their master's host swap masters.
// - A replica still replicating from its master's old address is re-attached.
// - Uneven replica counts are evened out one replica at a time.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "agent/reconcile/action.h"
#include "agent/reconcile/observation.h"

namespace rc::agent {

struct DesiredState {
  int replicas_per_master = 1;
  int min_masters = 3;
};

struct RolePlan {
  std::set<std::string> masters;  // node ids that hold (or will get) slots
  std::vector<ReplicaAssignment> assignments;
  std::string blocked;  // why assignments must wait ("" none)
};

// `reference` is the member whose CLUSTER NODES stands for the cluster.
RolePlan PlanRoles(const Observation& obs, const ObservedNode& reference,
                   const DesiredState& desired);

}  // namespace rc::agent
