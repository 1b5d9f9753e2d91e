// `redis-cluster-agent rebalance --seed HOST:PORT [--use-empty-masters]
//    [--weight NODE=W ...] [--batch N] [--dry-run]`
#include <charconv>
#include <cstdio>

#include "agent/cli/cluster_flags.h"
#include "agent/cli/commands.h"
#include "agent/cli/engine_flags.h"
#include "agent/engine/migration_engine.h"
#include "common/flag_parser.h"

namespace rc::agent {
namespace {

// "NODE=W" -> node id (resolved against the cluster) and weight.
Status ParseWeights(const std::vector<std::string>& specs, const engine::ClusterView& view,
                    engine::PlanOptions* options) {
  for (const auto& spec : specs) {
    auto eq = spec.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      return InvalidArgument("--weight '" + spec + "' is not NODE=W");
    std::string w = spec.substr(eq + 1);
    double weight = 0;
    auto res = std::from_chars(w.data(), w.data() + w.size(), weight);
    if (res.ec != std::errc() || res.ptr != w.data() + w.size() || weight < 0)
      return InvalidArgument("--weight '" + spec + "': weight must be a number >= 0");
    auto id = engine::ResolveNode(view, spec.substr(0, eq));
    if (!id.ok()) return InvalidArgument("--weight '" + spec + "': " + id.status().message());
    options->weights[*id] = weight;
  }
  return Status::Ok();
}

}  // namespace

int RebalanceCommand(int argc, char** argv) {
  ClusterFlags cluster;
  EngineFlags tuning;
  bool use_empty = false, dry_run = false, ignore_key_counts = false;
  std::vector<std::string> weights;
  FlagParser parser(
      "rebalance --seed HOST:PORT [--use-empty-masters] [--weight NODE=W ...] [--batch N] "
      "[--dry-run]",
      "Closes open slots left by an interrupted migration, then moves the fewest slots that\n"
      "make every master hold its weighted share (within one slot), in whole runs from the\n"
      "edges of the donors' ranges, so keys follow slots and every master keeps few ranges.\n"
      "NODE is a node id (or a unique prefix) or HOST:PORT; weight 0 empties a master.\n"
      "Exits 0 only when the cluster ends balanced and consistent; rerun after any failure\n"
      "to finish.");
  cluster.Register(parser);
  tuning.Register(parser);
  parser.AddBool("use-empty-masters", &use_empty, "give slots to masters that have none");
  parser.AddList("weight", &weights, "weight of one master (default 1)", "NODE=W");
  parser.AddBool("dry-run", &dry_run, "print the plan, move nothing");
  parser.AddBool("ignore-key-counts", &ignore_key_counts,
                 "deprecated, no effect (slots no longer go by key counts)");
  if (int code = parser.ParseOrExit(argc, argv); code >= 0) return code;
  RedisOptions redis;
  engine::EngineOptions options;
  for (Status s : {cluster.Resolve(&redis), tuning.Resolve(redis, &options)}) {
    if (!s.ok()) {
      std::fprintf(stderr, "redis-cluster-agent rebalance: %s\n", s.message().c_str());
      return s.code() == ErrorCode::kInvalidArgument ? 2 : 1;
    }
  }
  HiredisConnector connector(redis);
  engine::PlanOptions plan;
  plan.use_empty_masters = use_empty;
  if (ignore_key_counts)
    std::fprintf(stderr,
                 "redis-cluster-agent rebalance: --ignore-key-counts is deprecated and has no "
                 "effect: slots move in whole runs, never by their key counts\n");
  if (!weights.empty()) {
    auto view = engine::ObserveCluster(connector, cluster.seed);
    if (!view.ok()) {
      std::fprintf(stderr, "redis-cluster-agent rebalance: %s\n", view.status().ToString().c_str());
      return 1;
    }
    if (Status s = ParseWeights(weights, *view, &plan); !s.ok()) {
      std::fprintf(stderr, "redis-cluster-agent rebalance: %s\n", s.message().c_str());
      return 2;
    }
  }
  engine::MigrationEngine engine(connector, options);
  StopOnSignal stop_on_signal(engine);
  engine::LoggingProgressListener progress("rebalance");
  auto outcome = engine.Rebalance(cluster.seed, plan, dry_run, &progress);
  return ReportOutcome("rebalance", outcome, dry_run, connector, cluster.seed);
}

}  // namespace rc::agent
