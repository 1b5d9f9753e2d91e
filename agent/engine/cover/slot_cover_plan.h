// The plan of `redis-cluster-agent cover-slots`: which live master takes
// which uncovered slots (empty: the keys in them are lost), and which lost
// masters every node forgets. Pure: decided from a ClusterView, no I/O.
//
// It refuses (kFailedPrecondition, naming what was wrong and what to do)
// whenever accepting a loss is not the only way left: a slot is open
// (MIGRATING / IMPORTING) other than by a migration with a lost owner, a lost
// owner still answers, a replica of it answers (it may hold the keys and take
// over), the cluster has not marked the owner failed yet, a live node claims
// one of the slots itself, or no live master is left to take them.
//
// A slot left open by a migration to or from a lost owner is no reason to
// refuse: nothing else can close it, and forgetting the owner closes it on
// every node (redis drops MIGRATING / IMPORTING states naming a forgotten
// node). A live master that was importing such a slot from the lost owner is
// given it, and keeps the keys already moved to it; a live master that was
// migrating its own slot to the lost owner keeps the slot, and the keys it
// had already moved there are lost.
#pragma once

#include <string>
#include <vector>

#include "agent/engine/cluster_view.h"
#include "agent/engine/cover/uncovered_slots.h"
#include "common/slot_set.h"
#include "common/status.h"

namespace rc::engine {

struct MasterLoad {
  std::string id;
  std::string address;
  int slots = 0;  // slots it owns now
};

struct SlotGrant {
  std::string master_id;
  std::string address;
  SlotSet slots;
};

// Hands every slot of `slots` to one of `masters`: to the masters owning no
// slot when there is any (evenly), else to all of them, filling the emptiest
// first (ties by id), so the counts end as even as the slots allow. Each
// master gets contiguous runs in slot order. Deterministic; empty when
// `slots` or `masters` is empty.
std::vector<SlotGrant> DistributeSlots(const SlotSet& slots, std::vector<MasterLoad> masters);

struct SlotCoverPlan {
  UncoveredSlots uncovered;              // what was found
  SlotSet kept_by_importers;             // uncovered slots granted to the master importing them
  SlotSet moved_to_lost;                 // slots live masters were migrating to a lost owner
  std::vector<SlotGrant> grants;         // ADDSLOTSRANGE on each, then BUMPEPOCH
  std::vector<LostOwner> forget;         // CLUSTER FORGET on every node in forget_on
  std::vector<std::string> forget_on;    // addresses of every node that answers
  std::vector<std::string> slot_owners;  // 16384 owner ids once the plan is done
  bool empty() const { return grants.empty(); }
};

// Empty plan when every slot is served by a live master.
Result<SlotCoverPlan> PlanSlotCover(const ClusterView& view);

// What the plan finds and will do, one line each, for the person who runs it:
// which slots no live master serves and whose they were, that their keys are
// lost, and which master takes which slots.
std::vector<std::string> DescribeSlotCoverPlan(const SlotCoverPlan& plan);

// For `status`, `rebalance` and `drain`: when accepting their loss is the
// only way left to serve some slots (PlanSlotCover would cover them), one
// line naming them, whose they were and the cover-slots command to run; ""
// otherwise (nothing uncovered, or a failover or the master's return may
// still bring them back), so it never points at a command that refuses.
std::string CoverSlotsHint(const ClusterView& view);

// "master 1a2b3c4d (10.0.0.3:6379, redis-2.redis.shop.svc.cluster.local),
// marked failed, its address now answers as 9f8e7d6c": for messages.
std::string DescribeLostOwner(const LostOwner& owner);

}  // namespace rc::engine
