// One step the coordinator takes on the cluster, as decided by the pure
// planner (PlanNextAction) and carried out by the Actuator.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/reconcile/pod_source.h"
#include "common/slot_set.h"

namespace rc::agent {

enum class ActionKind {
  kNothing,         // balanced and healthy
  kWait,            // something must happen first that the agent cannot do (reason says what)
  kBootstrap,       // create the cluster: slots to masters, everyone meets pod-0's node
  kFixOpenSlots,    // close MIGRATING / IMPORTING slots (engine)
  kMeet,            // CLUSTER MEET new pods, or known nodes back on a new address
  kForget,          // forget nodes whose pods are gone (failed, no slots)
  kPromoteReplica,  // CLUSTER FAILOVER FORCE: a master's pod came back as a new node
  kDrainLeaving,    // move every slot off masters whose pods leave (engine, weight 0)
  kRemoveLeaving,   // reset drained leaving nodes and forget them everywhere
  kAssignReplicas,  // CLUSTER REPLICATE: new pods, orphans, uneven replica counts
  kRebalance,       // even out slots over the masters (engine)
};

const char* ActionKindName(ActionKind kind);

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

struct Action {
  ActionKind kind = ActionKind::kNothing;
  std::string reason;                    // one line a person understands
  std::string seed;                      // a cluster member's address to work through
  std::vector<BootstrapMaster> masters;  // kBootstrap
  std::vector<PodInfo> meet;             // kBootstrap (all but the seed), kMeet
  std::vector<NodeRef> forget;           // kForget, kRemoveLeaving
  std::vector<std::string> forget_on;    // addresses that must run CLUSTER FORGET
  std::vector<ReplicaAssignment>
      replicas;                           // kAssignReplicas, kPromoteReplica (replica, old master)
  std::map<std::string, double> weights;  // kDrainLeaving, kRebalance (node id -> weight)
};

}  // namespace rc::agent
