#include "agent/cli/engine_flags.h"

#include <csignal>
#include <cstdio>

#include "agent/engine/cover/slot_cover_plan.h"

namespace rc::agent {
namespace {

engine::MigrationEngine* g_engine = nullptr;

extern "C" void OnStopSignal(int sig) {
  if (g_engine) g_engine->RequestStop();  // an atomic store: async-signal-safe
  std::signal(sig, SIG_DFL);              // a second signal ends the process
}

}  // namespace

StopOnSignal::StopOnSignal(engine::MigrationEngine& engine) {
  g_engine = &engine;
  std::signal(SIGTERM, OnStopSignal);
  std::signal(SIGINT, OnStopSignal);
}

StopOnSignal::~StopOnSignal() {
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);
  g_engine = nullptr;
}

void EngineFlags::Register(FlagParser& parser) {
  parser.AddInt("batch", &batch,
                "keys per MIGRATE (default 20, 100 with --fast; also bounded by --batch-kb)");
  parser.AddInt("batch-kb", &batch_kb,
                "estimated kilobytes per MIGRATE (default 64, 256 with --fast): MIGRATE blocks "
                "the source while it runs, so smaller batches keep client latency lower");
  parser.AddInt("workers", &workers, "source->target pairs moved at once (default 2)");
  parser.AddInt("slots-in-flight", &slots_in_flight,
                "slots open at once per worker (default 4: more open slots mean more ASK "
                "redirects, which some clients fail on under load)");
  parser.AddInt("migrate-timeout-ms", &migrate_timeout_ms,
                "MIGRATE timeout, doubled on retry (default 10000)");
  parser.AddInt("pace-percent", &pace_percent,
                "share of the time a source may spend in MIGRATE, 1-100 (default 100): "
                "clients of the source wait while it runs");
  parser.AddBool("fast", &fast,
                 "as fast as possible: no pacing, bigger MIGRATEs (--batch 100 --batch-kb 256 "
                 "unless given), every worker may move out of one source and into one target; "
                 "clients see a higher "
                 "latency during the move (a new master is still introduced one slot at a time)");
  parser.AddBool("no-whole-slots", &no_whole_slots,
                 "move every slot the usual way (MIGRATING, MIGRATE batches, NODE), also those "
                 "whose keys fit one MIGRATE, which by default move whole in one script on the "
                 "source so that no client sees an ASK for them");
}

Status EngineFlags::Resolve(const RedisOptions& redis, engine::EngineOptions* options) const {
  if (batch < 1) return InvalidArgument("--batch must be at least 1");
  if (batch_kb < 1) return InvalidArgument("--batch-kb must be at least 1");
  if (workers < 1) return InvalidArgument("--workers must be at least 1");
  if (slots_in_flight < 1) return InvalidArgument("--slots-in-flight must be at least 1");
  if (migrate_timeout_ms < 1) return InvalidArgument("--migrate-timeout-ms must be positive");
  if (pace_percent < 1 || pace_percent > 100)
    return InvalidArgument("--pace-percent must be between 1 and 100");
  const EngineFlags defaults;
  options->workers = workers;
  options->slots_in_flight = slots_in_flight;
  options->migrate_timeout_ms = migrate_timeout_ms;
  options->pace_percent = pace_percent;
  options->whole_slots = !no_whole_slots;
  options->batch_keys = batch;
  options->batch_bytes = static_cast<long long>(batch_kb) * 1024;
  if (fast) {
    engine::MakeFast(options);  // an explicit --batch / --batch-kb still wins
    if (batch != defaults.batch) options->batch_keys = batch;
    if (batch_kb != defaults.batch_kb)
      options->batch_bytes = static_cast<long long>(batch_kb) * 1024;
  }
  options->password = redis.password;
  options->username = redis.username;
  return Status::Ok();
}

namespace {

void PrintCoverSlotsHint(const std::string& what, RedisConnector& connector,
                         const std::string& seed) {
  engine::ObserveOptions quick;
  quick.read_dbsize = false;
  auto view = engine::ObserveCluster(connector, seed, quick);
  if (!view.ok()) return;
  std::string hint = engine::CoverSlotsHint(*view);
  if (!hint.empty())
    std::fprintf(stderr, "redis-cluster-agent %s: %s\n", what.c_str(), hint.c_str());
}

}  // namespace

int ReportOutcome(const std::string& what, const Result<engine::RunOutcome>& outcome, bool dry_run,
                  RedisConnector& connector, const std::string& seed) {
  if (!outcome.ok()) {
    std::fprintf(stderr, "redis-cluster-agent %s: FAILED: %s\n", what.c_str(),
                 outcome.status().ToString().c_str());
    if (outcome.status().code() == ErrorCode::kInvalidArgument) return 2;
    PrintCoverSlotsHint(what, connector, seed);
    return 1;
  }
  const auto& o = *outcome;
  if (o.fix.slots_fixed > 0)
    std::printf("closed %d open slot(s) left by an earlier run (%lld keys moved)\n",
                o.fix.slots_fixed, o.fix.keys_moved);
  if (dry_run) {
    std::printf("dry run: %s\n", o.plan.Summary().c_str());
    size_t shown = 0;
    for (const auto& m : o.plan.moves) {
      if (++shown > 50) {
        std::printf("  ... and %zu more\n", o.plan.moves.size() - 50);
        break;
      }
      std::printf("  slot %d  %s -> %s%s\n", m.slot, m.from_id.c_str(), m.to_id.c_str(),
                  m.keys >= 0 ? ("  (" + std::to_string(m.keys) + " keys)").c_str() : "");
    }
    return 0;
  }
  std::printf("%s done: moved %d slot(s) and %lld key(s) in %.2fs; cluster %s\n", what.c_str(),
              o.report.slots_moved, o.report.keys_moved, o.report.elapsed_seconds,
              o.balanced_after ? "balanced and consistent" : "NOT balanced");
  if (!o.balanced_after) PrintCoverSlotsHint(what, connector, seed);
  return o.balanced_after ? 0 : 1;
}

}  // namespace rc::agent
