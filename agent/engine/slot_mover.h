// SlotGroupMover: moves a group of slots from one master to another with a
// handful of round trips whatever the group size: SETSLOT IMPORTING for all of
// them on the target (one pipeline), MIGRATING on the source (one pipeline),
// the keys (KeyMover, pipelined GETKEYSINSLOT + MIGRATE; empty slots cost
// nothing), then SETSLOT NODE on the target, the source and every other
// master (one pipeline each). Or, for slots with few keys, whole: one script
// on the source each (whole_slot_move.h), so no client meets an ASK.
// Internal to the engine.
#pragma once

#include <atomic>
#include <map>
#include <set>
#include <string>
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

class SlotGroupMover {
 public:
  // `masters`: every master to tell about new owners (SETSLOT NODE).
  SlotGroupMover(ConnectionCache& connections, const EngineOptions& options,
                 std::vector<MasterAddress> masters);

  // Moves `slots` (all owned by `source`) to `target`. Slots that fail stay
  // open for FixOpenSlots; they are listed in the result's errors.
  // `keys_moved` (may be null) is increased as keys move, for progress.
  GroupResult Move(const MasterAddress& source, const MasterAddress& target,
                   const std::vector<int>& slots, std::atomic<long long>* keys_moved);

  // Moves each slot of `slots` whole (whole_slot_move.h): no client ever
  // gets an ASK for it. Returns the slots it did not move, for Move: those
  // holding more keys than one MIGRATE batch, those the target already holds
  // keys of, and every slot when the source refuses the script (a user
  // without EVAL, an ACL from an older agent); failures on the way are in
  // `result`.
  std::vector<int> MoveWhole(const MasterAddress& source, const MasterAddress& target,
                             const std::vector<int>& slots, std::atomic<long long>* keys_moved,
                             GroupResult* result);

 private:
  // The target claims `slots`, which its source has just handed over (whole
  // moves); those it could claim are added to `owned`.
  void ClaimWhole(RedisClient& d, const MasterAddress& target, const std::vector<int>& slots,
                  bool broadcast, std::vector<int>* owned, GroupResult* result);
  // SETSLOT NODE target for `slots` on every master but source and target
  // (best effort: one that cannot be told learns by gossip).
  void TellOthers(const MasterAddress& source, const MasterAddress& target,
                  const std::vector<int>& slots, GroupResult* result);

  ConnectionCache& connections_;
  const EngineOptions& options_;
  std::vector<MasterAddress> masters_;
  std::set<std::string> unreachable_;  // other masters already reported down (warn once)
  std::map<std::string, WholeSlotSupport> support_;  // per source id, from its INFO server
};

}  // namespace rc::engine
