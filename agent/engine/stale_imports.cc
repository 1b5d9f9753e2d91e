#include "agent/engine/stale_imports.h"

#include <algorithm>

#include "common/slot_hash.h"

namespace rc::engine {
namespace {

std::string Short(const std::string& id) { return id.substr(0, 8); }

std::string Slots(const SlotSet& slots) {
  std::string text = slots.ToString();
  if (text.size() > 120) text = text.substr(0, 120) + "...";
  return std::to_string(slots.Count()) + " slot(s) (" + text + ")";
}

bool FlaggedFailed(const Topology& topology, const std::string& id) {
  const ClusterNode* n = topology.FindById(id);
  return n && n->IsFailed();
}

}  // namespace

SlotSet DownSlots::All() const {
  SlotSet all = unassigned;
  for (const auto& [id, slots] : failed_owner) all.Merge(slots);
  return all;
}

std::string DownSlots::Describe() const {
  if (Empty()) return "no uncovered slot in its view";
  std::string out;
  for (const auto& [id, slots] : failed_owner)
    out += (out.empty() ? "" : "; ") + Slots(slots) + " owned by failed node " + Short(id);
  if (!unassigned.Empty()) out += (out.empty() ? "" : "; ") + Slots(unassigned) + " unassigned";
  return out;
}

DownSlots DownSlotsOf(const Topology& own_view) {
  DownSlots down;
  SlotSet covered;
  for (const auto& n : own_view.nodes()) {
    if (!n.IsMaster() || n.slots.Empty()) continue;
    covered.Merge(n.slots);
    if (n.flags.fail) down.failed_owner[n.id].Merge(n.slots);  // redis's test: FAIL, not PFAIL
  }
  for (int s = 0; s < kSlotCount; ++s)
    if (!covered.Contains(s)) down.unassigned.Add(s);
  return down;
}

std::vector<StaleImport> FindStaleImports(const ClusterView& view) {
  // Who claims each slot in its own view, among reachable masters not flagged failed.
  std::vector<std::vector<const NodeView*>> claimants(kSlotCount);
  for (const auto& n : view.nodes) {
    const ClusterNode* me = n.reachable ? n.Myself() : nullptr;
    if (!me || !me->IsMaster() || FlaggedFailed(view.topology, me->id)) continue;
    for (int s : me->slots.Slots()) claimants[static_cast<size_t>(s)].push_back(&n);
  }
  std::vector<StaleImport> out;
  for (const auto& n : view.nodes) {
    const ClusterNode* me = n.reachable ? n.Myself() : nullptr;
    if (!me || !me->IsMaster()) continue;
    const std::vector<std::string> own_owners = n.topology.SlotOwners();
    for (const auto& [slot, source] : me->importing) {
      if (slot < 0 || slot >= kSlotCount || me->slots.Contains(slot)) continue;
      const bool dead = !view.FindNode(source) &&
                        (FlaggedFailed(view.topology, source) || FlaggedFailed(n.topology, source));
      if (!dead) continue;
      const auto& who = claimants[static_cast<size_t>(slot)];
      if (who.size() != 1) continue;
      const NodeView& owner = *who.front();
      if (owner.id == me->id || owner.id == source) continue;
      if (own_owners[static_cast<size_t>(slot)] == owner.id) continue;  // its view is right
      out.push_back({me->id, n.address, slot, source, owner.id, owner.address});
    }
  }
  std::sort(out.begin(), out.end(), [](const StaleImport& a, const StaleImport& b) {
    return a.node_id != b.node_id ? a.node_id < b.node_id : a.slot < b.slot;
  });
  return out;
}

bool DownOnlyByStaleImports(const NodeView& node, const std::vector<StaleImport>& stale) {
  const DownSlots down = DownSlotsOf(node.topology);
  if (down.Empty()) return false;
  SlotSet repairable;
  for (const auto& s : stale)
    if (s.node_id == node.id) repairable.Add(s.slot);
  return down.All().Minus(repairable).Empty();
}

}  // namespace rc::engine
