// MigrationEngine: the only code that moves slots and keys between masters.
//
// A slot moves the safe way redis-cli uses (SETSLOT IMPORTING on the target,
// MIGRATING on the source, MIGRATE ... KEYS in batches, then SETSLOT NODE on
// the target, the source, and every other master), but many slots at once:
// the per-slot commands are pipelined in small groups of `slots_in_flight`
// (few open at once: see there; fewer toward a node clients do not know yet:
// move_scheduler.h), empty
// slots skip MIGRATE, and distinct source->target pairs run on their own
// workers (threads, each with its own connections). MIGRATE rounds are paced
// (`pace_percent`) so that clients of the source keep their latency.
//
// Safe to interrupt at any point: a later run starts with FixOpenSlots(),
// which closes every MIGRATING/IMPORTING slot without losing a key, and
// plans again from what it observes.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "agent/engine/cluster_view.h"
#include "agent/engine/planner.h"
#include "agent/engine/stale_imports.h"
#include "common/redis_client.h"
#include "common/status.h"

namespace rc::engine {

struct EngineOptions {
  // Keys per MIGRATE (redis-cli: 10). MIGRATE blocks the source while it runs,
  // so this bounds the stall its clients see: with 20 (and 64 KB below) a
  // client's p99 stays near 1 ms during a move on 2 cores; 100 and 256 KB
  // (what --fast uses) move ~1.5-2x faster at p99 2-4 ms (tests/bench/migration).
  int batch_keys = 20;
  // Bound on a MIGRATE's estimated payload: 16 KB keys go 4 per MIGRATE.
  long long batch_bytes = 64 << 10;
  // Slots opened / closed per pipelined round (per worker). Small on purpose:
  // a slot open with some of its keys moved answers ASK, and a client with
  // many requests in flight can interleave them between an ASKING and its
  // command (valkey-glide 2.5; lettuce#1218 is the same pattern), be bounced
  // back to the source and give up on a MOVED error. Measured with glide at
  // 100 requests in flight during a 3 -> 4 scale-out: 512 failed requests in
  // 3 of 4 runs, 16 in 2 of 8, 4 in none of 10 (redis-cli, one slot at a time:
  // none of 4), at about the same speed as 512 on that data.
  int slots_in_flight = 4;
  // Slots whose keys fit one MIGRATE (batch_keys, batch_bytes) move whole:
  // one script on the source moves the keys and hands the slot over at once,
  // so no client is ever sent an ASK for them (whole_slot_move.h). Larger
  // slots, and every slot when false, when the source refuses EVAL or runs a
  // version that cannot (Valkey 8), move the usual way (MIGRATING, MIGRATE
  // batches, NODE). On Redis 7.0.13 - 7.2.3 the source keeps claiming the
  // slots until the target has (WholeSlotSupport::kKeepClaiming): an ASK is
  // possible there for one round trip per script.
  bool whole_slots = true;
  // Toward a master that owned no slots when the move started (clients do not
  // know it yet), see move_scheduler.h: its first slots go one at a time, this
  // far apart, then nothing for introduce_hold_ms, then open slots stay below
  // 1/ramp_ratio of those it owns.
  int introduce_slots = 64;
  int introduce_gap_ms = 5;
  int introduce_hold_ms = 2000;
  int ramp_ratio = 64;
  // Share of the time a source may spend blocked in MIGRATE (100: no pause).
  // MIGRATE blocks the source for its clients; below 100, after each round of
  // MIGRATEs the mover waits so that rounds take at most this share of the
  // time. What sets client p99 is the length of one round (batch_keys /
  // batch_bytes), so the default does not pause.
  int pace_percent = 100;
  // Moved slots are claimed for their targets (which changes the slot map
  // the masters show clients) at most once per this many ms, all pending
  // pairs together; meanwhile their keys are on the target, reached by ASK.
  // Clients such as valkey-glide stall on a slot refresh that meets masters
  // disagreeing (no view held by most): the rarer the changes, the rarer
  // that. A target being introduced claims at once, and so does a source
  // that hands its slots over inside the whole-move script. 0: every group
  // claims its slots at once.
  int claim_gap_ms = 250;
  int workers = 2;           // concurrent source->target pairs
  int units_per_source = 1;  // of them at once out of one source (its clients wait for each)
  // Groups open at once toward one target. Two at once move a new master's
  // share ~1.1x faster here, but its clients (and the sources') wait for
  // twice the MIGRATEs: client p99 during the move went from ~1.2x to ~2.4x
  // redis-cli's in one bench run (tests/bench/migration), so gentle keeps 1.
  int units_per_target = 1;
  int migrate_timeout_ms = 10000;  // MIGRATE's own timeout; doubled on each retry
  int max_retries =
      12;  // per slot on IOERR / timeout / CLUSTERDOWN (backoff 0.1-3.2 s, ~25 s in all)
  int gossip_wait_ms = 30000;    // wait for a target to learn the slot map
  int converge_wait_ms = 20000;  // wait for nodes to agree after a fix / before planning
  std::chrono::milliseconds progress_interval{3000};  // listener cadence
  std::string username;  // MIGRATE AUTH2 user (the connector AUTHs our links)
  std::string password;  // MIGRATE AUTH password; empty: none
};

// "As fast as possible" (rebalance/drain --fast, the sidecar's
// REDIS_CLUSTER_MIGRATION_SPEED=fast): no pacing, 100 keys / 256 KB per
// MIGRATE, every worker may move out of one source and into one target.
// Clients see a higher p99
// during the move; a new master is still introduced one slot at a time.
void MakeFast(EngineOptions* options);

struct MigrationProgress {
  int slots_done = 0;
  int slots_total = 0;
  long long keys_moved = 0;
  double keys_per_second = 0;
  double elapsed_seconds = 0;
  double eta_seconds = -1;  // -1 until there is a rate to extrapolate from
  bool final = false;       // the last report of an Execute()
};

// Receives progress every EngineOptions::progress_interval and once at the
// end. Called from one engine thread at a time.
class ProgressListener {
 public:
  virtual ~ProgressListener() = default;
  virtual void OnProgress(const MigrationProgress& progress) = 0;
};

// Logs "rebalance: 29% (1200/4096 slots), 73201 keys moved, 51234 keys/s, 1.4 s, 3 s left".
class LoggingProgressListener : public ProgressListener {
 public:
  explicit LoggingProgressListener(std::string what = "rebalance") : what_(std::move(what)) {}
  void OnProgress(const MigrationProgress& progress) override;

 private:
  std::string what_;
};

// The one progress line of the engine, the CLI and the sidecar (see above).
std::string FormatProgress(const MigrationProgress& progress);

struct MigrationReport {
  int slots_planned = 0;
  int slots_moved = 0;
  long long keys_moved = 0;
  double elapsed_seconds = 0;
  std::vector<std::string> errors;  // one line per failed pair / slot
};

struct FixReport {
  int slots_fixed = 0;
  long long keys_moved = 0;
  std::vector<std::string> actions;  // one line per slot: what was decided and why
  std::vector<int> skipped;          // left open: their owner is unreachable (awaiting failover)
};

// The outcome of Rebalance() / Drain().
struct RunOutcome {
  ClusterView before;  // after fixing open slots
  FixReport fix;
  MigrationPlan plan;
  MigrationReport report;  // empty on dry runs
  bool balanced_after = false;
};

class MigrationEngine {
 public:
  // `connector` opens every connection (it carries timeouts and AUTH) and
  // must outlive the engine; it may be called from several threads.
  MigrationEngine(RedisConnector& connector, EngineOptions options);

  // Closes every open slot of `view`: finishes a move both sides agree on
  // (source MIGRATING to a target that is IMPORTING from it or already owns
  // the slot); otherwise settles the slot on its owner (or, with no single
  // owner, on the node holding most of its keys), moving stray keys there.
  // Never deletes a key; a key present on two nodes with different values
  // stops with kConflict naming the slot and key. Slots whose owner (per the
  // seed) is unreachable or failed are left alone and listed in
  // report->skipped: its replica may hold keys and take over. Once it has,
  // a node still importing the slot from the dead owner is first pointed at
  // the new one (stale_imports.h), then closed like any open slot.
  Status FixOpenSlots(const ClusterView& view, FixReport* report = nullptr);

  // Moves the plan's slots. Before importing into a target, waits until it
  // knows the full slot map (WaitForSlotMap). Progress goes to `listener`
  // (may be null). Returns the report even when some slots failed; the
  // Status is not ok only when nothing could start (e.g. a target never
  // learned the slot map). Check report.errors. Once a master of some pair
  // could not be reached (e.g. a source killed mid-move), Execute also looks
  // every second for nodes left importing from it after its replica took over
  // and points them at the new owner (stale_imports.h): they would otherwise
  // stay cluster_state:fail and refuse every MIGRATE into them.
  Result<MigrationReport> Execute(const ClusterView& view, const MigrationPlan& plan,
                                  ProgressListener* listener = nullptr);

  // Observe (with key counts), fix open slots, wait for agreement, plan,
  // execute (unless dry_run), observe again. Fails when the cluster is not
  // balanced and consistent at the end (outcome details in the Status).
  Result<RunOutcome> Rebalance(const std::string& seed, const PlanOptions& options, bool dry_run,
                               ProgressListener* listener = nullptr);
  // Same, moving every slot off `node` (NODE_ID or HOST:PORT).
  Result<RunOutcome> Drain(const std::string& seed, const std::string& node,
                           const PlanOptions& options, bool dry_run,
                           ProgressListener* listener = nullptr);

  // Observes from `seed`; when the view has open slots, fixes them; then waits
  // (up to converge_wait_ms) until every reachable node agrees on the owners.
  Result<ClusterView> ObserveAndSettle(const std::string& seed, FixReport* fix = nullptr);

  // Asks the engine to stop at the next safe point (between batches); a
  // stopped Execute returns what it did so far with an error line.
  void RequestStop() { stop_.store(true); }

  const EngineOptions& options() const { return options_; }

 private:
  // Points each stale import at its slot's new owner (SETSLOT STABLE, NODE
  // owner, IMPORTING owner), then waits up to 5 s for those nodes to report
  // cluster_state:ok. FixOpenSlots does it first; Execute whenever a node of
  // a pair went away (else the target stays down and MIGRATE into it fails).
  Status RepairStaleImports(const std::vector<StaleImport>& stale);

  RedisConnector& connector_;
  EngineOptions options_;
  std::atomic<bool> stop_{false};
};

// Waits until the node at `client` reports cluster_state:ok and maps every
// slot to the owner given in `owners` (16384 ids, "" = don't care), polling
// until `timeout`. Call before SETSLOT IMPORTING on a newly added node.
Status WaitForSlotMap(RedisClient& client, const std::vector<std::string>& owners,
                      std::chrono::milliseconds timeout);

}  // namespace rc::engine
