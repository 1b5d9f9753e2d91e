#include "agent/reconcile/observation.h"

namespace rc::agent {

bool ObservedNode::HasClusterState() const {
  if (!reachable) return false;
  if (view.nodes().size() > 1) return true;
  const ClusterNode* me = Myself();
  return me != nullptr && !me->slots.Empty();
}

const ObservedNode* Observation::FindById(const std::string& id) const {
  for (const auto& n : nodes)
    if (n.reachable && n.id == id) return &n;
  return nullptr;
}

std::string Describe(const PodInfo& pod, const std::string& id) {
  std::string out = pod.name + " (" + pod.ip;
  if (!id.empty()) out += ", " + ShortId(id);
  return out + ")";
}

}  // namespace rc::agent
