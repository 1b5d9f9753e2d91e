#include "agent/engine/cover/slot_cover_plan.h"

#include <algorithm>
#include <map>

namespace rc::engine {
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

// Which open slots forgetting the lost owners closes: a live master importing
// a lost owner's slot from it (it is given the slot: `importers`), or
// migrating its own slot to a lost owner (`moved_to_lost`). Returns the slots
// open for any other reason (only a rebalance can close those).
std::vector<int> ClassifyOpenSlots(const ClusterView& view, const std::vector<std::string>& owners,
                                   const std::vector<LostOwner>& lost,
                                   std::map<std::string, SlotSet>* importers,
                                   SlotSet* moved_to_lost) {
  auto is_lost = [&](const std::string& id) {
    return std::any_of(lost.begin(), lost.end(), [&](const LostOwner& o) { return o.id == id; });
  };
  std::vector<int> others;
  for (const OpenSlot& open : view.open_slots) {
    const std::string& owner = owners[static_cast<size_t>(open.slot)];
    bool closes = open.importing.size() <= 1;
    for (const auto& [node, source] : open.importing)
      closes = closes && source == owner && is_lost(source);
    for (const auto& [node, target] : open.migrating)
      closes = closes && node == owner && is_lost(target);
    if (!closes) {
      others.push_back(open.slot);
      continue;
    }
    for (const auto& [node, source] : open.importing) (*importers)[node].Add(open.slot);
    if (!open.migrating.empty()) moved_to_lost->Add(open.slot);
  }
  return others;
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
  if (!plan.kept_by_importers.Empty())
    out.push_back("  except " + DescribeSlots(plan.kept_by_importers) +
                  ": a live master was importing them from their lost owner and keeps the keys "
                  "already moved to it");
  if (!plan.moved_to_lost.Empty())
    out.push_back("  Also lost: the keys of " + DescribeSlots(plan.moved_to_lost) +
                  " that their live owner had already moved to a lost master (it keeps the "
                  "slots and the rest of their keys)");
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

Result<SlotCoverPlan> PlanSlotCover(const ClusterView& view) {
  if (view.nodes.empty() || !view.nodes.front().reachable)
    return FailedPrecondition("the seed " + view.seed + " could not be read");
  SlotCoverPlan plan;
  plan.uncovered = FindUncoveredSlots(view);
  if (plan.uncovered.empty()) return plan;

  for (const auto& owner : plan.uncovered.owners)
    if (std::string why = NotLost(owner); !why.empty()) return FailedPrecondition(why);

  const std::vector<std::string> owners = view.topology.SlotOwners();
  std::map<std::string, SlotSet> importers;  // live master id -> slots it keeps
  std::vector<int> open =
      ClassifyOpenSlots(view, owners, plan.uncovered.owners, &importers, &plan.moved_to_lost);
  if (!open.empty()) {
    std::string slots;
    for (size_t i = 0; i < open.size() && i < 10; ++i)
      slots += (slots.empty() ? "" : ",") + std::to_string(open[i]);
    if (open.size() > 10) slots += ",...";
    return FailedPrecondition(
        std::to_string(open.size()) +
        " slot(s) are open (MIGRATING/IMPORTING), and not by a migration with the lost " +
        "master: " + slots + "; close them first (`redis-cluster-agent rebalance --seed " +
        view.seed +
        "` closes open slots before anything else, then stops at the uncovered slots), and "
        "run cover-slots again");
  }

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

  // Importers first: each keeps what it was importing; the rest is shared out
  // counting those slots as theirs already.
  SlotSet rest = plan.uncovered.slots;
  std::vector<SlotGrant> kept;
  for (const auto& [importer, slots] : importers) {
    // A named copy: clang 14 does not let a lambda capture a structured binding.
    const std::string& id = importer;
    auto m =
        std::find_if(live.begin(), live.end(), [&](const MasterLoad& l) { return l.id == id; });
    if (m == live.end())
      return FailedPrecondition("node " + id.substr(0, 8) + " imports slots " +
                                DescribeSlots(slots) +
                                " from their lost owner but is not a live master; run "
                                "cover-slots again once it answers as one");
    m->slots += slots.Count();
    kept.push_back({id, m->address, slots});
    plan.kept_by_importers.Merge(slots);
    rest = rest.Minus(slots);
  }
  plan.grants = DistributeSlots(rest, live);
  for (const SlotGrant& k : kept) {  // one grant per master
    auto g = std::find_if(plan.grants.begin(), plan.grants.end(),
                          [&](const SlotGrant& x) { return x.master_id == k.master_id; });
    if (g == plan.grants.end())
      plan.grants.push_back(k);
    else
      g->slots.Merge(k.slots);
  }
  plan.forget = plan.uncovered.owners;
  for (const auto& n : view.nodes)
    if (n.reachable) plan.forget_on.push_back(n.address);
  plan.slot_owners = view.topology.SlotOwners();
  for (const auto& g : plan.grants)
    for (int s : g.slots.Slots()) plan.slot_owners[static_cast<size_t>(s)] = g.master_id;
  return plan;
}

std::string CoverSlotsHint(const ClusterView& view) {
  auto plan = PlanSlotCover(view);
  if (!plan.ok() || plan->empty()) return "";
  std::string whose;
  for (const auto& o : plan->uncovered.owners)
    whose += (whose.empty() ? "" : "; ") + DescribeLostOwner(o);
  if (!plan->uncovered.unowned.Empty())
    whose +=
        (whose.empty() ? "" : "; ") + DescribeSlots(plan->uncovered.unowned) + " belong to no node";
  return "slots " + DescribeSlots(plan->uncovered.slots) +
         " are served by no live master and no replica can take them over (" + whose +
         "): their keys are lost. To serve them again, empty, see the plan with "
         "`redis-cluster-agent cover-slots --seed " +
         view.seed + " --dry-run`, then run it with --accept-data-loss instead of --dry-run";
}

}  // namespace rc::engine
