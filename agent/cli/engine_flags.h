// Flags that tune the migration engine (shared by rebalance and drain), and
// the way both commands report their outcome.
#pragma once

#include <string>

#include "agent/engine/migration_engine.h"
#include "common/flag_parser.h"
#include "common/redis_client.h"

namespace rc::agent {

struct EngineFlags {
  // Defaults are the engine's own (engine::EngineOptions says why each is what it is).
  int batch = engine::EngineOptions{}.batch_keys;
  int batch_kb = static_cast<int>(engine::EngineOptions{}.batch_bytes >> 10);
  int workers = engine::EngineOptions{}.workers;
  int slots_in_flight = engine::EngineOptions{}.slots_in_flight;
  int migrate_timeout_ms = engine::EngineOptions{}.migrate_timeout_ms;
  int pace_percent = engine::EngineOptions{}.pace_percent;
  bool fast = false;
  bool no_whole_slots = false;

  void Register(FlagParser& parser);
  // Validates (kInvalidArgument) and fills `options`, AUTH for MIGRATE included.
  Status Resolve(const RedisOptions& redis, engine::EngineOptions* options) const;
};

// Until the returned guard goes away, SIGTERM / SIGINT ask `engine` to stop
// at its next safe point (the run then reports what it did and exits 1; a
// rerun finishes). A second signal is left to its default action.
class StopOnSignal {
 public:
  explicit StopOnSignal(engine::MigrationEngine& engine);
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;
};

// Prints the outcome (summary line on stdout, errors on stderr) and returns
// the exit code: 0 done (or planned, on a dry run), 1 failure, 2 bad usage.
// A run that failed or left the cluster unbalanced because slots are lost
// with their master also prints the cover-slots hint (CoverSlotsHint of a
// fresh look through `connector`).
int ReportOutcome(const std::string& what, const Result<engine::RunOutcome>& outcome, bool dry_run,
                  RedisConnector& connector, const std::string& seed);

}  // namespace rc::agent
