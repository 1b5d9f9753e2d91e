// One step the coordinator takes on the cluster, as decided by the pure
// planner (PlanNextAction) and carried out by the Actuator. Each kind of step
// is its own small struct carrying exactly what that step needs; an Action is
// one of them plus the reason a person reads.
#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "agent/reconcile/pod_source.h"
#include "common/slot_set.h"

namespace rc::agent {

struct BootstrapMaster {
  PodInfo pod;
  SlotRange slots;
  int config_epoch = 0;
};

struct ReplicaAssignment {
  PodInfo replica;  // the node that runs CLUSTER REPLICATE
  std::string master_id;
  PodInfo master;
};

struct NodeRef {
  std::string id;
  std::string address;   // "ip:port"; "" when unreachable
  std::string pod_name;  // "" when no pod matches
};

// Balanced and healthy.
struct NothingToDo {
  static constexpr const char* kName = "nothing";
};

// Something must happen first that the agent cannot do (the reason says what).
struct Wait {
  static constexpr const char* kName = "wait";
};

// Create the cluster: slots to masters, everyone meets the seed (pod-0's node).
struct Bootstrap {
  static constexpr const char* kName = "bootstrap";
  std::string seed;                      // the node every other one meets
  std::vector<BootstrapMaster> masters;  // who gets which slots
  std::vector<PodInfo> meet;             // all but the seed
};

// Close MIGRATING / IMPORTING slots (engine).
struct FixOpenSlots {
  static constexpr const char* kName = "fix_open_slots";
  std::string seed;  // a cluster member to work through
};

// CLUSTER MEET new pods, or known nodes back on a new address.
struct Meet {
  static constexpr const char* kName = "meet";
  std::string seed;  // the member that runs CLUSTER MEET
  std::vector<PodInfo> pods;
};

// Forget nodes whose pods are gone (failed, no slots).
struct Forget {
  static constexpr const char* kName = "forget";
  std::vector<NodeRef> nodes;
  std::vector<std::string> forget_on;  // addresses that must run CLUSTER FORGET
};

// CLUSTER FAILOVER FORCE: a master's pod came back as a new node.
struct PromoteReplica {
  static constexpr const char* kName = "promote_replica";
  PodInfo replica;        // the node that runs CLUSTER FAILOVER FORCE
  std::string master_id;  // the master it takes over from
};

// Move every slot off masters whose pods leave (engine, weight 0).
struct DrainLeaving {
  static constexpr const char* kName = "drain";
  std::string seed;                       // a cluster member to work through
  std::map<std::string, double> weights;  // node id -> weight
};

// Reset drained leaving nodes and forget them everywhere.
struct RemoveLeaving {
  static constexpr const char* kName = "remove_leaving";
  std::vector<NodeRef> nodes;          // reset, then forgotten
  std::vector<std::string> forget_on;  // addresses that must run CLUSTER FORGET
};

// CLUSTER REPLICATE: new pods, orphans, uneven replica counts.
struct AssignReplicas {
  static constexpr const char* kName = "assign_replicas";
  std::vector<ReplicaAssignment> assignments;
};

// Even out slots over the masters (engine).
struct Rebalance {
  static constexpr const char* kName = "rebalance";
  std::string seed;                       // a cluster member to work through
  std::map<std::string, double> weights;  // node id -> weight
};

using ActionKind =
    std::variant<NothingToDo, Wait, Bootstrap, FixOpenSlots, Meet, Forget, PromoteReplica,
                 DrainLeaving, RemoveLeaving, AssignReplicas, Rebalance>;

struct Action {
  ActionKind kind;
  std::string reason;  // one line a person understands
};

// The kind's name in log lines, metrics and Events ("rebalance").
inline const char* ActionName(const Action& action) {
  return std::visit([](const auto& kind) { return kind.kName; }, action.kind);
}

// The action's fields when it is of `Kind`, else nullptr.
template <typename Kind>
const Kind* As(const Action& action) {
  return std::get_if<Kind>(&action.kind);
}

template <typename Kind>
bool Is(const Action& action) {
  return std::holds_alternative<Kind>(action.kind);
}

// Nothing to do or waiting: the cluster is not changed.
inline bool IsIdle(const Action& action) { return Is<NothingToDo>(action) || Is<Wait>(action); }

}  // namespace rc::agent
