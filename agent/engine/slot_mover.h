// SlotGroupMover: moves a group of slots from one master to another with a
// handful of round trips whatever the group size: SETSLOT IMPORTING for all of
// them on the target (one pipeline), MIGRATING on the source (one pipeline),
// the keys (KeyMover, pipelined GETKEYSINSLOT + MIGRATE; empty slots cost
// nothing), then SETSLOT NODE on the target, the source and every other
// master (one pipeline each). Internal to the engine.
#pragma once

#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "agent/engine/migration_engine.h"
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

  // Moves an empty slot without ever opening it (MIGRATING), so no client can
  // meet an ASK for it: the source gives it up first, which redis refuses
  // while the slot holds a key, then the target claims it. False when the
  // source refused (or could not be asked): nothing changed, use Move.
  // True when done, or when the target could not claim it (in the errors).
  bool HandOverEmpty(const MasterAddress& source, const MasterAddress& target, int slot,
                     GroupResult* result);

 private:
  // SETSLOT NODE target for `slots` on every master but source and target
  // (best effort: one that cannot be told learns by gossip).
  void TellOthers(const MasterAddress& source, const MasterAddress& target,
                  const std::vector<int>& slots, GroupResult* result);

  ConnectionCache& connections_;
  const EngineOptions& options_;
  std::vector<MasterAddress> masters_;
  std::set<std::string> unreachable_;  // other masters already reported down (warn once)
};

}  // namespace rc::engine
