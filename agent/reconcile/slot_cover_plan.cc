#include "agent/reconcile/slot_cover_plan.h"

#include <algorithm>

namespace rc::agent {
namespace {

std::string Short(const std::string& id) { return id.substr(0, 8); }

std::string Host(const std::string& address) { return address.substr(0, address.rfind(':')); }
std::string Port(const std::string& address) { return address.substr(address.rfind(':') + 1); }

// Why accepting the loss of `owner`'s slots is not the only way left ("" when it is).
std::string NotLost(const LostOwner& owner) {
  std::string who = DescribeLostOwner(owner);
  if (owner.answers)
    return who +
           " still answers under its own id: it is not lost (the cluster marks it failed: "
           "a network partition?); its keys may all be there, so nothing is covered";
  if (!owner.live_replicas.empty()) {
    const std::string& r = owner.live_replicas.front();
    return who + " has a replica that answers (" + r +
           "); it may hold the keys: wait for the automatic failover, or promote it with "
           "`redis-cli -h " +
           Host(r) + " -p " + Port(r) + " CLUSTER FAILOVER FORCE`";
  }
  if (!owner.Gone())
    return who + " does not answer, but the cluster has not marked it failed yet" +
           (owner.marked_pfail ? " (only suspected: fail?)" : "") +
           "; wait for cluster-node-timeout and run cover-slots again (if it comes back, "
           "its keys are back)";
  return "";
}

}  // namespace

std::string DescribeLostOwner(const LostOwner& owner) {
  std::string where = owner.address;
  if (!owner.hostname.empty()) where += (where.empty() ? "" : ", ") + owner.hostname;
  std::string out = "master " + Short(owner.id) + (where.empty() ? "" : " (" + where + ")");
  if (owner.marked_fail) out += ", marked failed";
  if (owner.marked_noaddr || !owner.replaced_by.empty())
    out += ", its address now answers as " +
           (owner.replaced_by.empty() ? std::string("another node") : Short(owner.replaced_by));
  return out;
}

std::vector<std::string> DescribeSlotCoverPlan(const SlotCoverPlan& plan) {
  std::vector<std::string> out;
  if (plan.uncovered.empty()) return out;
  out.push_back(std::to_string(plan.uncovered.slots.Count()) +
                " slot(s) are served by no live master:");
  for (const auto& o : plan.uncovered.owners)
    out.push_back("  " + DescribeSlots(o.slots) + " belonged to " + DescribeLostOwner(o) +
                  (o.live_replicas.empty() ? ", with no replica to take over" : ""));
  if (!plan.uncovered.unowned.Empty())
    out.push_back("  " + DescribeSlots(plan.uncovered.unowned) + " belong to no node at all");
  out.push_back(
      "The keys that were in these slots are lost for good: covering them serves the slots "
      "again, EMPTY.");
  for (const auto& g : plan.grants)
    out.push_back("  " + DescribeSlots(g.slots) + " -> master " + Short(g.master_id) + " (" +
                  g.address + ")");
  return out;
}

std::vector<SlotGrant> DistributeSlots(const SlotSet& slots, std::vector<MasterLoad> masters) {
  std::vector<SlotGrant> grants;
  if (slots.Empty() || masters.empty()) return grants;
  bool any_empty =
      std::any_of(masters.begin(), masters.end(), [](const MasterLoad& m) { return m.slots == 0; });
  if (any_empty)
    masters.erase(std::remove_if(masters.begin(), masters.end(),
                                 [](const MasterLoad& m) { return m.slots != 0; }),
                  masters.end());
  std::sort(masters.begin(), masters.end(), [](const MasterLoad& a, const MasterLoad& b) {
    return a.slots != b.slots ? a.slots < b.slots : a.id < b.id;
  });
  // How many each receives: one slot at a time to the emptiest (water filling).
  std::vector<int> counts;
  for (const auto& m : masters) counts.push_back(m.slots);
  std::vector<int> take(masters.size(), 0);
  for (int k = 0; k < slots.Count(); ++k) {
    size_t best = 0;
    for (size_t i = 1; i < counts.size(); ++i)
      if (counts[i] < counts[best]) best = i;
    ++counts[best];
    ++take[best];
  }
  // Contiguous runs in slot order, masters in the order above.
  std::vector<int> all = slots.Slots();
  size_t next = 0;
  for (size_t i = 0; i < masters.size(); ++i) {
    if (take[i] == 0) continue;
    SlotGrant g;
    g.master_id = masters[i].id;
    g.address = masters[i].address;
    for (int k = 0; k < take[i]; ++k) g.slots.Add(all[next++]);
    grants.push_back(std::move(g));
  }
  return grants;
}

Result<SlotCoverPlan> PlanSlotCover(const engine::ClusterView& view) {
  if (view.nodes.empty() || !view.nodes.front().reachable)
    return FailedPrecondition("the seed " + view.seed + " could not be read");
  SlotCoverPlan plan;
  plan.uncovered = FindUncoveredSlots(view);
  if (plan.uncovered.empty()) return plan;

  if (!view.open_slots.empty()) {
    std::string slots;
    for (size_t i = 0; i < view.open_slots.size() && i < 10; ++i)
      slots += (slots.empty() ? "" : ",") + std::to_string(view.open_slots[i].slot);
    if (view.open_slots.size() > 10) slots += ",...";
    return FailedPrecondition(
        std::to_string(view.open_slots.size()) + " slot(s) are open (MIGRATING/IMPORTING): " +
        slots + "; close them first (`redis-cluster-agent rebalance --seed " + view.seed +
        "` closes open slots before anything else, then stops at the uncovered slots), and "
        "run cover-slots again");
  }
  for (const auto& owner : plan.uncovered.owners)
    if (std::string why = NotLost(owner); !why.empty()) return FailedPrecondition(why);

  std::vector<MasterLoad> live;
  for (const auto& n : view.nodes) {
    const ClusterNode* me = n.reachable ? n.Myself() : nullptr;
    if (me == nullptr || !me->IsMaster()) continue;
    const ClusterNode* seen = view.topology.FindById(n.id);
    if (seen != nullptr && (seen->flags.fail || seen->flags.noaddr)) continue;
    SlotSet claimed = me->slots.Intersect(plan.uncovered.slots);
    if (!claimed.Empty())
      return FailedPrecondition("node " + n.address + " claims slots " + DescribeSlots(claimed) +
                                " itself while the seed " + view.seed +
                                " sees them uncovered: the nodes disagree; wait for gossip to "
                                "settle and run cover-slots again");
    live.push_back({n.id, n.address, me->slots.Count()});
  }
  if (live.empty())
    return FailedPrecondition("no live master answers to take " +
                              DescribeSlots(plan.uncovered.slots) +
                              ": add a master (an empty node that answers) first");

  plan.grants = DistributeSlots(plan.uncovered.slots, live);
  plan.forget = plan.uncovered.owners;
  for (const auto& n : view.nodes)
    if (n.reachable) plan.forget_on.push_back(n.address);
  plan.slot_owners = view.topology.SlotOwners();
  for (const auto& g : plan.grants)
    for (int s : g.slots.Slots()) plan.slot_owners[static_cast<size_t>(s)] = g.master_id;
  return plan;
}

}  // namespace rc::agent
