// `redis-cluster-agent status --seed HOST:PORT [--json]`
#include <cstdio>

#include "agent/cli/cluster_flags.h"
#include "agent/cli/commands.h"
#include "agent/engine/cluster_status.h"
#include "agent/engine/cluster_view.h"
#include "agent/engine/cover/slot_cover_plan.h"
#include "common/flag_parser.h"

namespace rc::agent {

int StatusCommand(int argc, char** argv) {
  ClusterFlags cluster;
  bool json = false;
  FlagParser parser(
      "status --seed HOST:PORT [--json]",
      "Shows the cluster seen from every node: a one-line verdict first, then masters\n"
      "with slot and key counts, replicas, open slots, failed and unreachable nodes.\n"
      "Exits 0 when the cluster is consistent and balanced, 1 otherwise.");
  cluster.Register(parser);
  parser.AddBool("json", &json, "print JSON instead of text");
  if (int code = parser.ParseOrExit(argc, argv); code >= 0) return code;
  RedisOptions redis;
  if (Status s = cluster.Resolve(&redis); !s.ok()) {
    std::fprintf(stderr, "redis-cluster-agent status: %s\n", s.message().c_str());
    return s.code() == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  HiredisConnector connector(redis);
  auto view = engine::ObserveCluster(connector, cluster.seed);
  if (!view.ok()) {
    std::fprintf(stderr, "redis-cluster-agent status: cannot read the cluster: %s\n",
                 view.status().ToString().c_str());
    return 1;
  }
  engine::ClusterStatus status = engine::SummarizeCluster(*view);
  std::string text = json ? engine::RenderStatusJson(status) : engine::RenderStatusText(status);
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (!json) {
    if (std::string hint = engine::CoverSlotsHint(*view); !hint.empty())
      std::printf("\nnext step: %s\n", hint.c_str());
  }
  return status.healthy ? 0 : 1;
}

}  // namespace rc::agent
