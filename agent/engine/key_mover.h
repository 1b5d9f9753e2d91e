// KeyMover: moves the keys of open slots from one node to another with
// MIGRATE ... KEYS, many slots per round trip. Internal to the engine.
//
// Contract: the caller has opened the slots (the source can MIGRATE them: it
// owns them and is MIGRATING, or it is IMPORTING them; the target owns them or
// is IMPORTING them). The mover never deletes a key itself: only MIGRATE does,
// after the target stored it. A key already on the target (BUSYKEY) is
// replaced only when both copies hold the same value (same DUMP payload);
// otherwise the slot fails with kConflict naming the key.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "agent/engine/migration_engine.h"
#include "common/redis_client.h"

namespace rc::engine {

class KeyMover {
 public:
  // `source` and `target` are connections the mover may use (the target one
  // for BUSYKEY comparisons and IOERR checks); target_host/port is what the
  // source dials for MIGRATE.
  KeyMover(RedisClient& source, RedisClient& target, std::string target_host, int target_port,
           const EngineOptions& options);

  // Moves every key of every slot in `slots`. Returns keys moved; slots that
  // failed are left open and listed in `failed` (slot -> reason).
  long long MoveSlots(const std::vector<int>& slots, std::map<int, Status>* failed);

  // One slot, carefully (batch by batch), with BUSYKEY and IOERR handling.
  Result<long long> MoveSlot(int slot);

  // Keys per MIGRATE, bounded by batch_keys and by batch_bytes / the source's
  // average key size (INFO memory / DBSIZE, read once).
  int KeysPerBatch();

 private:
  // How long to wait for a reply on the source: a MIGRATE's own timeout, and
  // never less than what another worker's MIGRATE on the same source may
  // block it for (several workers can share a source).
  int ReplyTimeout(int migrate_timeout_ms) const;
  // Waits after a round of MIGRATEs that kept the source `busy`, so that
  // rounds take at most EngineOptions::pace_percent of the time.
  void Pace(std::chrono::steady_clock::duration busy) const;
  RedisCommand MigrateCommand(const std::vector<std::string>& keys, bool replace,
                              int timeout_ms) const;
  // Replaces keys that exist on both sides with the same value; kConflict otherwise.
  Result<long long> ResolveBusyKeys(int slot, const std::vector<std::string>& keys, int timeout_ms);

  RedisClient& source_;
  RedisClient& target_;
  std::string target_host_;
  int target_port_;
  const EngineOptions& options_;
  int keys_per_batch_ = -1;
};

// True for MIGRATE errors that a retry may cure (IOERR, timeouts).
bool IsRetryableMigrateError(const std::string& error);

}  // namespace rc::engine
