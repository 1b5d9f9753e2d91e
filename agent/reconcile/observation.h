// What one loop of the agent saw: the StatefulSet's pods and, for each pod
// with an IP, what its redis says (its node id, its CLUSTER NODES, its state).
// Pure value types: the planner takes an Observation and decides.
#pragma once

#include <string>
#include <vector>

#include "agent/config/server_version.h"
#include "agent/reconcile/pod_source.h"
#include "common/topology.h"

namespace rc::agent {

struct ObservedNode {
  PodInfo pod;
  bool reachable = false;      // answered CLUSTER NODES
  std::string error;           // why not
  std::string id;              // its own node id (CLUSTER MYID)
  Topology view;               // its CLUSTER NODES
  bool cluster_state_ok = false;
  ServerVersion version;       // from INFO server
  std::string run_id;          // INFO server run_id: changes on every restart

  const ClusterNode* Myself() const { return view.Myself(); }
  // Knows another node or owns a slot: it has been part of a cluster.
  bool HasClusterState() const;
};

struct Observation {
  int spec_replicas = 0;
  std::vector<ObservedNode> nodes;  // one per pod with an IP, by ordinal

  // A pod whose ordinal is >= spec.replicas is leaving for good.
  bool Leaving(const PodInfo& pod) const { return pod.ordinal >= spec_replicas; }
  const ObservedNode* FindById(const std::string& id) const;  // reachable nodes only
};

}  // namespace rc::agent
