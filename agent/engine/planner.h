// The planner: pure functions from an observed cluster to a MigrationPlan.
// No I/O. Deterministic: the same input always gives the same plan.
//
// Balance rule: each master's weighted share is 16384 * w / sum(w); a master
// is balanced when its slot count is within one slot of its share (floor or
// ceil). PlanRebalance returns the fewest moves that balance every master,
// and moves them as whole runs from the edges of the donors' ranges
// (range_assigner.h): the receivers get ordinary slots, so their share of the
// keys follows their share of the slots, and every master keeps few ranges.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/engine/cluster_view.h"
#include "common/status.h"
#include "common/topology.h"

namespace rc::engine {

struct SlotMove {
  int slot = 0;
  std::string from_id;
  std::string to_id;
  long long keys = -1;  // keys in the slot when known, else -1
  bool operator==(const SlotMove&) const = default;
};

struct MigrationPlan {
  std::vector<SlotMove> moves;  // grouped by (from, to), slots ascending within a group
  // Slot count per master after the plan (node id -> slots).
  std::map<std::string, int> slots_after;
  bool empty() const { return moves.empty(); }
  long long KnownKeys() const;  // sum of known per-slot key counts
  // "move 4096 slots (12345 keys): a1b2c3d4 -> e5f6a7b8 1365, ..." (ids shortened).
  std::string Summary() const;
};

struct PlanOptions {
  // Weight per master id (missing: 1.0). Weight 0 drains the master.
  std::map<std::string, double> weights;
  // Include masters without slots as receivers (redis-cli's --cluster-use-empty-masters).
  // Without it, empty masters stay empty. The agent always sets it.
  bool use_empty_masters = false;
  // Masters within this percentage of their share are left alone (redis-cli's
  // --cluster-threshold, default 2 there). 0: balance to within one slot.
  double threshold_percent = 0;
};

// Per-master target after the plan: lower and upper bound of slots.
struct MasterTarget {
  std::string id;
  int current = 0;
  double share = 0;  // exact weighted share
  int low = 0;       // floor(share)
  int high = 0;      // ceil(share)
};

// Targets for every master that takes part (see PlanOptions); pure.
Result<std::vector<MasterTarget>> ComputeTargets(const Topology& topology,
                                                 const PlanOptions& options);

// True when every master is within one slot of its share (and weight-0 masters are empty).
bool IsBalanced(const Topology& topology, const PlanOptions& options);

// Plans over a consistent view; refuses (FailedPrecondition naming the
// problems) when the view is not Consistent(). view.slot_keys (when present)
// breaks ties between runs: the one closest to the receiver's key need wins.
Result<MigrationPlan> PlanRebalance(const ClusterView& view, const PlanOptions& options);
// Same over a bare topology (assumed agreed; refuses uncovered or open slots).
// `slot_keys` may be empty or hold 16384 per-slot key counts.
Result<MigrationPlan> PlanRebalance(const Topology& topology, const PlanOptions& options,
                                    const std::vector<long long>& slot_keys = {});

// Moves every slot off `node_id` to the other masters, filling the emptiest
// first (ties by id), so they end as even as the drained slots allow; each of
// its ranges goes preferably to the master owning the slot beside it. Masters
// listed with weight 0 in options receive nothing; empty masters receive only
// with use_empty_masters.
Result<MigrationPlan> PlanDrain(const ClusterView& view, const std::string& node_id,
                                const PlanOptions& options = {});
Result<MigrationPlan> PlanDrain(const Topology& topology, const std::string& node_id,
                                const PlanOptions& options = {},
                                const std::vector<long long>& slot_keys = {});

}  // namespace rc::engine
