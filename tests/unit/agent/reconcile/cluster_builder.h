// Builds Observations for planner tests from a compact description of pods and
// what the cluster looks like, the way each redis would report it.
#pragma once

#include <string>
#include <vector>

#include "agent/reconcile/observation.h"

namespace rc::agent::testing {

struct PodSpec {
  PodSpec(int o, std::string r, std::string s = "", int m = -1, std::string h = "",
          std::string i = "", std::string a = "")
      : ordinal(o),
        role(std::move(r)),
        slots(std::move(s)),
        master(m),
        host(std::move(h)),
        id(std::move(i)),
        ip(std::move(a)) {}
  int ordinal;
  std::string role;   // "M" master, "S" replica, "-" fresh node (no cluster state), "X" down
  std::string slots;  // "0-5460" for masters
  int master = -1;    // ordinal of the master for "S"
  std::string host;   // Kubernetes node name
  std::string id;     // "" = generated from the ordinal
  std::string ip;     // "" = 127.50.0.<ordinal+1>
};

inline std::string IdOf(int ordinal, const std::string& given = "") {
  if (!given.empty()) return given;
  std::string id = std::to_string(ordinal);
  return std::string(40 - id.size(), 'a') + id;
}

struct ExtraNode {  // a node in the cluster no pod runs (failed, stale)
  std::string id;
  std::string ip;
  std::string flags;   // "master,fail"
  std::string master;  // "-" or an id
  std::string slots;
};

inline std::string Line(const std::string& id, const std::string& ip, const std::string& flags,
                        const std::string& master, const std::string& slots) {
  return id + " " + ip + ":6379@16379 " + flags + " " + master + " 0 0 1 connected" +
         (slots.empty() ? "" : " " + slots) + "\n";
}

// Every member reports the same view (a settled cluster); fresh nodes know only themselves.
inline Observation Build(int spec_replicas, const std::vector<PodSpec>& pods,
                         const std::vector<ExtraNode>& extra = {}) {
  Observation obs;
  obs.spec_replicas = spec_replicas;
  auto ip_of = [](const PodSpec& p) {
    return p.ip.empty() ? "127.50.0." + std::to_string(p.ordinal + 1) : p.ip;
  };
  for (const auto& self : pods) {
    ObservedNode n;
    n.pod.name = "redis-" + std::to_string(self.ordinal);
    n.pod.ordinal = self.ordinal;
    n.pod.ip = ip_of(self);
    n.pod.node_name = self.host;
    n.pod.ready = self.role != "X";
    n.reachable = self.role != "X";
    if (!n.reachable) {
      obs.nodes.push_back(n);
      continue;
    }
    n.id = IdOf(self.ordinal, self.id);
    std::string text;
    if (self.role == "-") {
      text = Line(n.id, n.pod.ip, "myself,master", "-", "");
    } else {
      for (const auto& p : pods) {
        if (p.role == "-" || p.role == "X") continue;
        std::string flags = p.role == "M" ? "master" : "slave";
        if (p.ordinal == self.ordinal) flags = "myself," + flags;
        std::string master = p.role == "S" ? IdOf(p.master) : "-";
        text += Line(IdOf(p.ordinal, p.id), ip_of(p), flags, master, p.slots);
      }
      for (const auto& e : extra) text += Line(e.id, e.ip, e.flags, e.master, e.slots);
    }
    auto topo = Topology::ParseClusterNodes(text);
    if (topo.ok()) n.view = *topo;
    n.cluster_state_ok = true;
    obs.nodes.push_back(n);
  }
  return obs;
}

}  // namespace rc::agent::testing
