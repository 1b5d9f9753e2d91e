// `redis-cluster-agent drain --seed HOST:PORT --node NODE_ID|HOST:PORT`
#include <cstdio>

#include "agent/cli/cluster_flags.h"
#include "agent/cli/commands.h"
#include "agent/cli/engine_flags.h"
#include "agent/engine/migration_engine.h"
#include "common/flag_parser.h"

namespace rc::agent {

int DrainCommand(int argc, char** argv) {
  ClusterFlags cluster;
  EngineFlags tuning;
  std::string node;
  bool use_empty = false, dry_run = false;
  FlagParser parser(
      "drain --seed HOST:PORT --node NODE_ID|HOST:PORT",
      "Closes open slots first, then moves every slot off one master to the others\n"
      "(the emptiest first) and leaves it an empty master. Exits 0 only when the node\n"
      "holds no slot and the cluster is consistent; rerun after any failure to finish.");
  cluster.Register(parser);
  tuning.Register(parser);
  parser.AddString("node", &node, "the master to empty (required)", "NODE_ID|HOST:PORT");
  parser.AddBool("use-empty-masters", &use_empty, "also give slots to masters that have none");
  parser.AddBool("dry-run", &dry_run, "print the plan, move nothing");
  if (int code = parser.ParseOrExit(argc, argv); code >= 0) return code;
  if (node.empty()) {
    std::fprintf(stderr, "redis-cluster-agent drain: --node is required\n\n%s",
                 parser.Usage().c_str());
    return 2;
  }
  RedisOptions redis;
  engine::EngineOptions options;
  for (Status s : {cluster.Resolve(&redis), tuning.Resolve(redis, &options)}) {
    if (!s.ok()) {
      std::fprintf(stderr, "redis-cluster-agent drain: %s\n", s.message().c_str());
      return s.code() == ErrorCode::kInvalidArgument ? 2 : 1;
    }
  }
  HiredisConnector connector(redis);
  engine::PlanOptions plan;
  plan.use_empty_masters = use_empty;
  engine::MigrationEngine engine(connector, options);
  StopOnSignal stop_on_signal(engine);
  engine::LoggingProgressListener progress("drain");
  auto outcome = engine.Drain(cluster.seed, node, plan, dry_run, &progress);
  return ReportOutcome("drain", outcome, dry_run, connector, cluster.seed);
}

}  // namespace rc::agent
