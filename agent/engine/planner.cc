#include "agent/engine/planner.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "agent/engine/range_assigner.h"
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

// Keys each master holds per `slot_keys` (empty when unknown).
long long KeysOwned(const ClusterNode& n, const std::vector<long long>& slot_keys) {
  long long sum = 0;
  if (slot_keys.empty()) return 0;
  for (int s : n.slots.Slots()) sum += std::max(0LL, slot_keys[static_cast<size_t>(s)]);
  return sum;
}

// Per master (by id): how many slots it gives and takes, as bands, and the
// keys it lacks of its share (range_assigner.h).
struct Bands {
  std::vector<std::string> ids;
  std::vector<int> give_min, give_max, need_min, need_max;
  std::vector<long long> key_need;
};

// Per-slot moves of whole runs cut from the edges of the donors' ranges.
std::vector<SlotMove> MovesFor(const Topology& topology, const Bands& bands,
                               const std::vector<long long>& slot_keys) {
  RangeAssignment in;
  in.owner.assign(kSlotCount, -1);
  for (size_t m = 0; m < bands.ids.size(); ++m)
    for (int s : topology.FindById(bands.ids[m])->slots.Slots())
      in.owner[static_cast<size_t>(s)] = static_cast<int>(m);
  in.give_min = bands.give_min;
  in.give_max = bands.give_max;
  in.need_min = bands.need_min;
  in.need_max = bands.need_max;
  in.slot_keys = slot_keys;
  in.key_need = bands.key_need;
  std::vector<SlotMove> moves;
  for (const RunMove& run : AssignRuns(std::move(in)))
    for (int s = run.first; s <= run.last; ++s)
      moves.push_back({s, bands.ids[static_cast<size_t>(run.from)],
                       bands.ids[static_cast<size_t>(run.to)], KeysOf(slot_keys, s)});
  return moves;
}

// Slot count per master in `ids` once `moves` are done.
std::map<std::string, int> CountsAfter(const Topology& topology,
                                       const std::vector<std::string>& ids,
                                       const std::vector<SlotMove>& moves) {
  std::map<std::string, int> after;
  for (const auto& id : ids) after[id] = topology.FindById(id)->slots.Count();
  for (const auto& m : moves) after[m.from_id]--, after[m.to_id]++;
  return after;
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

  // How many: each master ends in its [low, high] band; a master already in
  // it may still give or take the one slot its band allows, so that a whole
  // range can move instead of leaving a one-slot remnant.
  Bands bands;
  long long total_keys = 0;
  std::vector<long long> keys_now;
  for (const auto& t : targets) {
    keys_now.push_back(KeysOwned(*topology.FindById(t.id), slot_keys));
    total_keys += keys_now.back();
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    bands.ids.push_back(t.id);
    bands.give_min.push_back(std::max(0, t.current - t.high));
    bands.give_max.push_back(std::max(0, t.current - t.low));
    bands.need_min.push_back(std::max(0, t.low - t.current));
    bands.need_max.push_back(std::max(0, t.high - t.current));
    // Which slots: the keys each receiver lacks of its weighted share break
    // ties between runs.
    const long long key_share =
        static_cast<long long>(static_cast<double>(total_keys) * t.share / kSlotCount);
    bands.key_need.push_back(std::max(0LL, key_share - keys_now[i]));
  }
  plan.moves = MovesFor(topology, bands, slot_keys);
  plan.slots_after = CountsAfter(topology, bands.ids, plan.moves);
  for (const auto& t : targets) {
    const int after = plan.slots_after[t.id];
    if (after < t.low || after > t.high)
      return Internal("planner: master " + Short(t.id) + " would end with " +
                      std::to_string(after) + " slots, outside its share " + std::to_string(t.low) +
                      "-" + std::to_string(t.high));
  }
  SortMoves(&plan);
  return plan;
}

Result<MigrationPlan> PlanRebalance(const ClusterView& view, const PlanOptions& options) {
  if (std::string problems = view.ProblemsText(); !problems.empty())
    return RefuseInconsistent(problems);
  return PlanRebalance(view.topology, options, view.slot_keys);
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
  // The receivers end level (within one slot of each other) as far as the
  // drained slots reach: at `level` or one above it.
  int level = kSlotCount;
  for (size_t k = 0; k < receivers.size(); ++k)
    if (quota[k] > 0) level = std::min(level, receivers[k].second + quota[k]);
  Bands bands;
  bands.ids.push_back(node_id);
  bands.give_min.push_back(drained->slots.Count());
  bands.give_max.push_back(drained->slots.Count());
  bands.need_min.push_back(0);
  bands.need_max.push_back(0);
  bands.key_need.push_back(0);
  const long long drained_keys = KeysOwned(*drained, slot_keys);
  for (size_t k = 0; k < receivers.size(); ++k) {
    const int current = receivers[k].second;
    bands.ids.push_back(receivers[k].first);
    bands.give_min.push_back(0);
    bands.give_max.push_back(0);
    bands.need_min.push_back(quota[k] > 0 ? std::max(0, level - current) : 0);
    bands.need_max.push_back(quota[k] > 0 ? std::max(0, level + 1 - current) : 0);
    bands.key_need.push_back(drained_keys * quota[k] / drained->slots.Count());
  }
  plan.moves = MovesFor(topology, bands, slot_keys);
  for (const auto& [id, count] : CountsAfter(topology, bands.ids, plan.moves))
    plan.slots_after[id] = count;
  if (plan.slots_after[node_id] != 0)
    return Internal("planner: " + std::to_string(plan.slots_after[node_id]) + " slot(s) of " +
                    Short(node_id) + " found no receiver");
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
