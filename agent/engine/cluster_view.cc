#include "agent/engine/cluster_view.h"

namespace rc::engine {

const NodeView* ClusterView::FindNode(const std::string& id) const {
  for (const auto& n : nodes)
    if (n.reachable && n.id == id) return &n;
  return nullptr;
}

std::vector<const ClusterNode*> ClusterView::Masters() const { return topology.Masters(); }
std::vector<std::string> ClusterView::UnreachableMastersWithSlots() const { return {}; }
std::vector<std::string> ClusterView::Problems() const { return {"not implemented yet"}; }

Result<ClusterView> ObserveCluster(RedisConnector&, const std::string&, const ObserveOptions&) {
  return Internal("ObserveCluster: not implemented yet");
}
ClusterView BuildClusterView(const std::string& seed, std::vector<NodeView> nodes) {
  ClusterView v;
  v.seed = seed;
  v.nodes = std::move(nodes);
  return v;
}
Result<std::string> ResolveNode(const ClusterView&, const std::string& node) {
  return NotFound("no node " + node);
}

}  // namespace rc::engine
