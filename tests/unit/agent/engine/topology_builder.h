// Builds Topology values by hand for planner and view tests.
#pragma once

#include <cstdio>
#include <string>

#include "common/topology.h"

namespace rc::engine::testing {

inline std::string TestId(int i) {
  char buf[41];
  std::snprintf(buf, sizeof buf, "%040x", i + 1);
  return buf;
}

class TopologyBuilder {
 public:
  // A master with id TestId(i) at 10.0.0.<i+1>:6379 owning `slots`.
  TopologyBuilder& Master(int i, SlotSet slots, bool myself = false) {
    ClusterNode n;
    n.id = TestId(i);
    n.ip = "10.0.0." + std::to_string(i + 1);
    n.port = 6379;
    n.flags.master = true;
    n.flags.myself = myself;
    n.link_connected = true;
    n.slots = slots;
    topo_.mutable_nodes().push_back(n);
    return *this;
  }
  TopologyBuilder& Replica(int i, int master) {
    ClusterNode n;
    n.id = TestId(i);
    n.ip = "10.0.0." + std::to_string(i + 1);
    n.port = 6379;
    n.flags.replica = true;
    n.master_id = TestId(master);
    topo_.mutable_nodes().push_back(n);
    return *this;
  }
  ClusterNode& Last() { return topo_.mutable_nodes().back(); }
  Topology Build() const { return topo_; }

 private:
  Topology topo_;
};

// Applies a plan's moves to a topology (for "after the plan" checks).
template <typename Plan>
Topology Apply(Topology topo, const Plan& plan) {
  for (const auto& m : plan.moves) {
    for (auto& n : topo.mutable_nodes()) {
      if (n.id == m.from_id) n.slots.Remove(m.slot);
      if (n.id == m.to_id) n.slots.Add(m.slot);
    }
  }
  return topo;
}

}  // namespace rc::engine::testing
