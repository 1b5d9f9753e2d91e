#include "agent/engine/cover/uncovered_slots.h"

#include <algorithm>

namespace rc::engine {
namespace {

// The id a NodeView found at an address that the seed knows under another id
// (ObserveCluster's "answers as ID, the seed expected ..."), "" otherwise.
std::string AnsweringId(const NodeView& n) {
  if (n.reachable) return n.id;
  const std::string prefix = "answers as ";
  if (n.error.compare(0, prefix.size(), prefix) != 0) return "";
  std::string rest = n.error.substr(prefix.size());
  return rest.substr(0, rest.find_first_of(", "));
}

}  // namespace

SlotSet UncoveredSlots::LostForGood() const {
  SlotSet out = unowned;
  for (const auto& o : owners)
    if (o.LostForGood()) out.Merge(o.slots);
  return out;
}

UncoveredSlots FindUncoveredSlots(const ClusterView& view) {
  UncoveredSlots out;
  if (view.nodes.empty() || !view.nodes.front().reachable) return out;
  const Topology& topo = view.topology;
  for (const ClusterNode* m : topo.Masters()) {
    if (m->slots.Empty()) continue;
    bool answers = view.FindNode(m->id) != nullptr;
    if (answers && !m->flags.fail && !m->flags.noaddr) continue;  // a live master
    LostOwner lost;
    lost.id = m->id;
    lost.address = m->ip.empty() || m->port == 0 ? "" : m->Address();
    lost.hostname = m->hostname;
    lost.slots = m->slots;
    lost.marked_fail = m->flags.fail;
    lost.marked_pfail = m->flags.pfail;
    lost.marked_noaddr = m->flags.noaddr;
    lost.answers = answers;
    if (!lost.address.empty()) {
      for (const auto& n : view.nodes) {
        if (n.address != lost.address) continue;
        std::string id = AnsweringId(n);
        if (!id.empty() && id != m->id) lost.replaced_by = id;
      }
    }
    for (const ClusterNode* r : topo.ReplicasOf(m->id)) {
      const NodeView* replica = view.FindNode(r->id);
      const ClusterNode* own = replica ? replica->Myself() : nullptr;
      if (own != nullptr && own->flags.replica && own->master_id == m->id)
        lost.live_replicas.push_back(replica->address);
    }
    out.slots.Merge(m->slots);
    out.owners.push_back(std::move(lost));
  }
  std::sort(out.owners.begin(), out.owners.end(), [](const LostOwner& a, const LostOwner& b) {
    return a.slots.Ranges().front().first < b.slots.Ranges().front().first;
  });
  SlotSet covered = topo.CoveredSlots();
  for (int s = 0; s < kSlotCount; ++s)
    if (!covered.Contains(s)) out.unowned.Add(s);
  out.slots.Merge(out.unowned);
  return out;
}

std::string DescribeSlots(const SlotSet& slots, size_t max_chars) {
  std::string ranges = slots.ToString();
  if (ranges.size() > max_chars) {
    ranges.resize(max_chars);
    ranges = ranges.substr(0, ranges.rfind(',')) + ",...";
  }
  return ranges + " (" + std::to_string(slots.Count()) +
         (slots.Count() == 1 ? " slot)" : " slots)");
}

}  // namespace rc::engine
