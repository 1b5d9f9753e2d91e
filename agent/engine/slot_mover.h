// SlotGroupMover: moves a group of slots from one master to another with a
// handful of round trips whatever the group size: SETSLOT IMPORTING for all of
// them on the target (one pipeline), MIGRATING on the source (one pipeline),
// the keys (KeyMover, pipelined GETKEYSINSLOT + MIGRATE; empty slots cost
// nothing), then SETSLOT NODE on the target and every other master at once,
// then on the source (one pipeline each), with the next batch of claims
// (MoveShared, EngineOptions::claim_gap_ms). Or, for slots with few keys,
// whole: one script on the source each (whole_slot_move.h).
// Internal to the engine.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agent/engine/migration_engine.h"
#include "agent/engine/whole_slot_move.h"
#include "common/connection_cache.h"

namespace rc::engine {

struct MasterAddress {
  std::string id;
  std::string host;
  int port = 0;
  std::string Address() const { return host + ":" + std::to_string(port); }
};

struct GroupResult {
  int slots_moved = 0;
  long long keys_moved = 0;
  std::vector<std::string> errors;  // one line per failed slot (or the whole group)
  std::string unreachable_id;       // source or target id that could not be reached
  std::vector<std::string> untold;  // ids of other masters that could not be told (newly)

  // Adds `other` (a second step of the same group) to this one.
  void Add(GroupResult other) {
    slots_moved += other.slots_moved;
    keys_moved += other.keys_moved;
    for (auto& e : other.errors) errors.push_back(std::move(e));
    if (unreachable_id.empty()) unreachable_id = std::move(other.unreachable_id);
    for (auto& u : other.untold) untold.push_back(std::move(u));
  }
};

// What every worker's SlotGroupMover shares during one run of the engine.
struct MoveShared {
  // The highest config epoch any master held when the moves began (see
  // RaiseEpochAbove in slot_mover.cc).
  long long epoch_floor = 0;

  // Guards the rest. Held from the first node's change of view of a group's
  // slots to the last's, so most nodes always agree on the slot map:
  // valkey-glide stalls on a slot refresh where no view has a majority
  // (e.g. 1-1-1-1 among four masters).
  std::mutex view_change;
  // When the masters' slot map last changed (a claim).
  std::chrono::steady_clock::time_point last_change{};
  // Slots whose keys are all on the target while the source still claims
  // them (MIGRATING there, IMPORTING on the target), per (source, target):
  // claimed together at most once per EngineOptions::claim_gap_ms.
  struct Unclaimed {
    std::vector<int> slots;
    bool fast = true;  // the target's epoch is above the source's (ClaimBroadcast::kLast)
  };
  std::map<std::pair<std::string, std::string>, Unclaimed> unclaimed;
};

// How a target's claims spread (see ClaimEverywhere).
enum class ClaimBroadcast {
  kEach,  // every slot the importing way: an epoch bump and a PONG to every node each
  kLast,  // STABLE + NODE, the last slot the importing way (its epoch is above the source's)
  kNone,  // STABLE + NODE only (more claims of the same group follow)
};

class SlotGroupMover {
 public:
  // `masters`: every master to tell about new owners (SETSLOT NODE).
  SlotGroupMover(ConnectionCache& connections, const EngineOptions& options,
                 std::vector<MasterAddress> masters, MoveShared& shared);

  // Moves `slots` (all owned by `source`) to `target`. Slots that fail stay
  // open for FixOpenSlots; they are listed in the result's errors.
  // `keys_moved` (may be null) is increased as keys move, for progress.
  // `claim_now`: claim them before returning (MoveUnit::claim_now),
  // not with the next batch of claims (FlushClaims).
  GroupResult Move(const MasterAddress& source, const MasterAddress& target,
                   const std::vector<int>& slots, std::atomic<long long>* keys_moved,
                   bool claim_now);

  // Moves each slot of `slots` whole (whole_slot_move.h): no client ever
  // gets an ASK for it. Returns the slots it did not move, for Move: those
  // holding more keys than one MIGRATE batch, those the target already holds
  // keys of, and every slot when the source refuses the script (a user
  // without EVAL, an ACL from an older agent); failures on the way are in
  // `result`.
  std::vector<int> MoveWhole(const MasterAddress& source, const MasterAddress& target,
                             const std::vector<int>& slots, std::atomic<long long>* keys_moved,
                             bool claim_now, GroupResult* result);

  // Claims every slot waiting in MoveShared::unclaimed (target and every
  // other master at once, then the source gives them up) when `force` or
  // when claim_gap_ms passed since the masters' slot map last changed. The
  // slots it closes count in `result` (slots_moved, errors).
  void FlushClaims(bool force, GroupResult* result);

 private:
  // The target claims `slots` (SETSLOT NODE itself) while every master but
  // the source is told the same, all sent before any reply is read. Returns
  // the slots the target could claim; a master that cannot be told is
  // reported once (it learns by gossip). The source is left to the caller:
  // it gives the slots up after the target holds them.
  std::vector<int> ClaimEverywhere(const MasterAddress& source, const MasterAddress& target,
                                   RedisClient& d, const std::vector<int>& slots,
                                   ClaimBroadcast broadcast, GroupResult* result);

  // Queues `slots` for FlushClaims, then flushes (at once when `now`).
  void ClaimLater(const MasterAddress& source, const MasterAddress& target,
                  const std::vector<int>& slots, bool fast, bool now, GroupResult* result);
  const MasterAddress* FindMaster(const std::string& id) const;

  ConnectionCache& connections_;
  const EngineOptions& options_;
  std::vector<MasterAddress> masters_;
  MoveShared& shared_;
  std::set<std::string> unreachable_;  // other masters already reported down (warn once)
  std::map<std::string, WholeSlotSupport> support_;  // per source id, from its INFO server
};

}  // namespace rc::engine
