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
  bool reachable = false;     // answered CLUSTER NODES
  std::string error;          // why not
  bool auth_refused = false;  // its redis refused the agent's password (kPermissionDenied)
  std::string id;             // its own node id (CLUSTER MYID)
  Topology view;              // its CLUSTER NODES
  bool cluster_state_ok = false;
  ServerVersion version;  // from INFO server
  std::string run_id;     // INFO server run_id: changes on every restart
  // INFO replication of a replica: the address it replicates from ("" for a
  // master) and whether the link is up.
  std::string replicating_from;
  bool replication_link_up = false;

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

// "redis-3 (127.50.0.4, 1a2b3c4d)" for log lines.
std::string Describe(const PodInfo& pod, const std::string& id = "");
// The first 8 characters of a node id, as log lines show it.
inline std::string ShortId(const std::string& id) { return id.substr(0, 8); }
// Answers and is listed in `ref` (the reference view) under its own id.
inline bool IsMember(const ObservedNode& n, const Topology& ref) {
  return n.reachable && !n.id.empty() && ref.FindById(n.id) != nullptr;
}

}  // namespace rc::agent
