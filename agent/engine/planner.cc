#include "agent/engine/planner.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "common/slot_hash.h"

namespace rc::engine {
namespace {

Status RefuseInconsistent(const std::string& problems) {
  return FailedPrecondition("refusing to plan over an inconsistent cluster: " + problems);
}

std::string Short(const std::string& id) { return id.substr(0, 8); }

// Masters that can hold slots: not failed, with an address.
bool Usable(const ClusterNode& n) {
  return n.IsMaster() && !n.IsFailed() && !n.flags.handshake && !n.flags.noaddr;
}

Status CheckPlannable(const Topology& topology) {
  if (topology.HasOpenSlots())
    return FailedPrecondition("refusing to plan: the cluster has open (migrating/importing) slots");
  SlotSet covered = topology.CoveredSlots();
  if (covered.Count() != kSlotCount)
    return FailedPrecondition("refusing to plan: " + std::to_string(kSlotCount - covered.Count()) +
                              " slot(s) are not covered by any master");
  for (const auto& n : topology.nodes())
    if (n.IsMaster() && !n.slots.Empty() && n.IsFailed())
      return FailedPrecondition("refusing to plan: master " + Short(n.id) + " (" + n.Address() +
                                ") owns slots but is marked failed");
  return Status::Ok();
}

Status CheckWeights(const Topology& topology, const PlanOptions& options) {
  for (const auto& [id, w] : options.weights) {
    const ClusterNode* n = topology.FindById(id);
    if (!n) return InvalidArgument("weight given for unknown node " + id);
    if (!n->IsMaster())
      return InvalidArgument("weight given for " + Short(id) + ", which is not a master");
    if (!(w >= 0) || std::isinf(w))
      return InvalidArgument("weight for " + Short(id) + " must be >= 0");
  }
  return Status::Ok();
}

long long KeysOf(const std::vector<long long>& slot_keys, int slot) {
  return slot_keys.empty() ? -1 : slot_keys[static_cast<size_t>(slot)];
}

// The slots a donor gives away: fewest keys first, then the highest slot
// numbers, so ranges stay contiguous when key counts are unknown or equal.
std::vector<int> PickSlots(const ClusterNode& donor, int count,
                           const std::vector<long long>& slot_keys) {
  std::vector<int> slots = donor.slots.Slots();
  std::stable_sort(slots.begin(), slots.end(), [&](int a, int b) {
    long long ka = std::max(0LL, KeysOf(slot_keys, a)), kb = std::max(0LL, KeysOf(slot_keys, b));
    if (ka != kb) return ka < kb;
    return a > b;
  });
  slots.resize(static_cast<size_t>(std::min<int>(count, static_cast<int>(slots.size()))));
  std::sort(slots.begin(), slots.end());
  return slots;
}

void SortMoves(MigrationPlan* plan) {
  std::sort(plan->moves.begin(), plan->moves.end(), [](const SlotMove& a, const SlotMove& b) {
    return std::tie(a.from_id, a.to_id, a.slot) < std::tie(b.from_id, b.to_id, b.slot);
  });
}

}  // namespace

long long MigrationPlan::KnownKeys() const {
  long long sum = 0;
  for (const auto& m : moves)
    if (m.keys > 0) sum += m.keys;
  return sum;
}

std::string MigrationPlan::Summary() const {
  if (moves.empty()) return "nothing to move";
  std::string out = "move " + std::to_string(moves.size()) + " slot(s)";
  if (KnownKeys() > 0) out += " (" + std::to_string(KnownKeys()) + " keys)";
  out += ":";
  size_t i = 0;
  while (i < moves.size()) {
    size_t j = i;
    while (j < moves.size() && moves[j].from_id == moves[i].from_id &&
           moves[j].to_id == moves[i].to_id)
      ++j;
    out +=
        " " + Short(moves[i].from_id) + "->" + Short(moves[i].to_id) + " " + std::to_string(j - i);
    if (j < moves.size()) out += ",";
    i = j;
  }
  return out;
}

Result<std::vector<MasterTarget>> ComputeTargets(const Topology& topology,
                                                 const PlanOptions& options) {
  RC_RETURN_IF_ERROR(CheckWeights(topology, options));
  std::vector<MasterTarget> targets;
  double total = 0;
  std::vector<double> weights;
  for (const auto& n : topology.nodes()) {
    if (!Usable(n)) continue;
    auto it = options.weights.find(n.id);
    bool explicit_weight = it != options.weights.end();
    if (n.slots.Empty() && !options.use_empty_masters) continue;
    MasterTarget t;
    t.id = n.id;
    t.current = n.slots.Count();
    targets.push_back(t);
    weights.push_back(explicit_weight ? it->second : 1.0);
    total += weights.back();
  }
  if (targets.empty() || total <= 0)
    return FailedPrecondition("no master can take slots (all weights are 0 or no usable master)");
  for (size_t i = 0; i < targets.size(); ++i) {
    auto& t = targets[i];
    t.share = kSlotCount * weights[i] / total;
    t.low = static_cast<int>(std::floor(t.share + 1e-9));
    t.high = static_cast<int>(std::ceil(t.share - 1e-9));
  }
  std::sort(targets.begin(), targets.end(),
            [](const MasterTarget& a, const MasterTarget& b) { return a.id < b.id; });
  return targets;
}

bool IsBalanced(const Topology& topology, const PlanOptions& options) {
  auto targets = ComputeTargets(topology, options);
  if (!targets.ok()) return false;
  for (const auto& t : *targets)
    if (t.current < t.low || t.current > t.high) return false;
  // Masters left out of the targets (empty, not used) must stay empty; a
  // weight-0 master must be empty.
  int assigned = 0;
  for (const auto& t : *targets) assigned += t.current;
  return assigned == kSlotCount;
}

Result<MigrationPlan> PlanRebalance(const Topology& topology, const PlanOptions& options,
                                    const std::vector<long long>& slot_keys) {
  RC_RETURN_IF_ERROR(CheckPlannable(topology));
  auto targets_or = ComputeTargets(topology, options);
  if (!targets_or.ok()) return targets_or.status();
  std::vector<MasterTarget> targets = std::move(targets_or).value();
  // Masters outside the targets that still own slots (e.g. skipped empty ones
  // never own any; usable masters always take part) cannot happen after
  // CheckPlannable, except failed ones, which CheckPlannable refused.

  MigrationPlan plan;
  if (options.threshold_percent > 0) {
    bool within = true;
    for (const auto& t : targets) {
      double dev =
          t.share > 0 ? std::fabs(t.current - t.share) / t.share * 100.0 : (t.current ? 1e9 : 0);
      if (dev > options.threshold_percent) within = false;
    }
    if (within) {
      for (const auto& t : targets) plan.slots_after[t.id] = t.current;
      return plan;
    }
  }

  // Final counts: as close to the current ones as the [low, high] band allows.
  std::vector<int> final_count;
  int sum = 0;
  for (const auto& t : targets) {
    final_count.push_back(std::clamp(t.current, t.low, t.high));
    sum += final_count.back();
  }
  // Fix the total, first without adding moves (trim receivers / let donors
  // keep more), then within the band.
  for (int pass = 0; pass < 2 && sum != kSlotCount; ++pass) {
    for (size_t i = 0; i < targets.size() && sum != kSlotCount; ++i) {
      const auto& t = targets[i];
      int& f = final_count[i];
      if (sum > kSlotCount) {
        int floor_to = pass == 0 ? std::max(t.low, std::min(f, t.current)) : t.low;
        int take = std::min(f - floor_to, sum - kSlotCount);
        if (take > 0) f -= take, sum -= take;
      } else {
        int ceil_to = pass == 0 ? std::min(t.high, std::max(f, t.current)) : t.high;
        int give = std::min(ceil_to - f, kSlotCount - sum);
        if (give > 0) f += give, sum += give;
      }
    }
  }
  if (sum != kSlotCount)
    return Internal("planner could not reach 16384 slots (sum " + std::to_string(sum) + ")");

  // Pair donors' slots with receivers' needs, both in id order.
  std::vector<std::pair<std::string, int>> needs;  // receiver id, slots to receive
  for (size_t i = 0; i < targets.size(); ++i)
    if (final_count[i] > targets[i].current)
      needs.push_back({targets[i].id, final_count[i] - targets[i].current});
  size_t r = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    int give = targets[i].current - final_count[i];
    if (give <= 0) continue;
    const ClusterNode* donor = topology.FindById(targets[i].id);
    for (int slot : PickSlots(*donor, give, slot_keys)) {
      while (r < needs.size() && needs[r].second == 0) ++r;
      if (r >= needs.size()) return Internal("planner: more slots given than needed");
      plan.moves.push_back({slot, donor->id, needs[r].first, KeysOf(slot_keys, slot)});
      needs[r].second--;
    }
  }
  for (size_t i = 0; i < targets.size(); ++i) plan.slots_after[targets[i].id] = final_count[i];
  SortMoves(&plan);
  return plan;
}

Result<MigrationPlan> PlanRebalance(const ClusterView& view, const PlanOptions& options) {
  if (std::string problems = view.ProblemsText(); !problems.empty())
    return RefuseInconsistent(problems);
  return PlanRebalance(view.topology, options,
                       options.use_key_counts ? view.slot_keys : std::vector<long long>{});
}

Result<MigrationPlan> PlanDrain(const Topology& topology, const std::string& node_id,
                                const PlanOptions& options,
                                const std::vector<long long>& slot_keys) {
  RC_RETURN_IF_ERROR(CheckPlannable(topology));
  RC_RETURN_IF_ERROR(CheckWeights(topology, options));
  const ClusterNode* drained = topology.FindById(node_id);
  if (!drained) return NotFound("no node " + node_id + " in the cluster");
  if (!drained->IsMaster())
    return FailedPrecondition("node " + Short(node_id) + " is not a master");
  std::vector<std::pair<std::string, int>> receivers;  // id, slot count
  for (const auto& n : topology.nodes()) {
    if (n.id == node_id || !Usable(n)) continue;
    auto w = options.weights.find(n.id);
    if (w != options.weights.end() && w->second <= 0) continue;
    if (n.slots.Empty() && !options.use_empty_masters) continue;
    receivers.push_back({n.id, n.slots.Count()});
  }
  MigrationPlan plan;
  for (const auto& n : topology.nodes())
    if (Usable(n) && !n.slots.Empty()) plan.slots_after[n.id] = n.slots.Count();
  plan.slots_after[node_id] = 0;
  if (drained->slots.Empty()) return plan;
  if (receivers.empty())
    return FailedPrecondition("no other master can take the slots of " + Short(node_id) +
                              " (add a master, or pass --use-empty-masters)");
  std::sort(receivers.begin(), receivers.end());
  // Water-filling: each slot goes to the emptiest receiver (ties by id).
  std::vector<int> quota(receivers.size(), 0);
  for (int i = 0; i < drained->slots.Count(); ++i) {
    size_t best = 0;
    for (size_t k = 1; k < receivers.size(); ++k)
      if (receivers[k].second + quota[k] < receivers[best].second + quota[best]) best = k;
    quota[best]++;
  }
  std::vector<int> slots = drained->slots.Slots();
  size_t next = 0;
  for (size_t k = 0; k < receivers.size(); ++k) {
    for (int q = 0; q < quota[k]; ++q, ++next)
      plan.moves.push_back(
          {slots[next], node_id, receivers[k].first, KeysOf(slot_keys, slots[next])});
    plan.slots_after[receivers[k].first] = receivers[k].second + quota[k];
  }
  SortMoves(&plan);
  return plan;
}

Result<MigrationPlan> PlanDrain(const ClusterView& view, const std::string& node_id,
                                const PlanOptions& options) {
  if (std::string problems = view.ProblemsText(); !problems.empty())
    return RefuseInconsistent(problems);
  return PlanDrain(view.topology, node_id, options, view.slot_keys);
}

}  // namespace rc::engine
