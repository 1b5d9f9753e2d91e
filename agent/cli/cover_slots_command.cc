// `redis-cluster-agent cover-slots --seed HOST:PORT --accept-data-loss
//    [--dry-run] [--wait-ms N]`
#include <cstdio>

#include "agent/cli/cluster_flags.h"
#include "agent/cli/commands.h"
#include "agent/engine/cover/slot_coverer.h"
#include "common/flag_parser.h"

namespace rc::agent {
namespace {

constexpr char kNeedsConsent[] =
    "redis-cluster-agent cover-slots: refusing without --accept-data-loss.\n"
    "cover-slots gives the slots no live master serves (their master is lost and had no\n"
    "replica) to the live masters, EMPTY: every key that was in those slots is gone for\n"
    "good, and clients will see those keys as missing. Run with --dry-run to see which\n"
    "slots and whose they were, then with --accept-data-loss to do it.\n";

void Print(const std::string& line) { std::printf("%s\n", line.c_str()); }

}  // namespace

int CoverSlotsCommand(int argc, char** argv) {
  ClusterFlags cluster;
  bool accept = false, dry_run = false;
  int wait_ms = 60000;
  FlagParser parser(
      "cover-slots --seed HOST:PORT --accept-data-loss [--dry-run] [--wait-ms N]",
      "Serves again the slots no live master serves because their master is lost for good\n"
      "(its pod came back with an empty data dir, or its machine is gone) and had no\n"
      "replica: forgets that master on every node, gives its slots, empty, to the live\n"
      "masters (masters without slots first, else the emptiest), bumps their config\n"
      "epoch and waits until every node reports cluster_state:ok. THE KEYS IN THOSE\n"
      "SLOTS ARE LOST, but for a slot a live master was importing from the lost one: it\n"
      "gets that slot and keeps the keys already moved to it. Refuses while slots are open\n"
      "(MIGRATING/IMPORTING) other than by a migration with the lost master, while the\n"
      "lost master or a replica of it answers, or before the cluster marks it failed.");
  cluster.Register(parser);
  parser.AddBool("accept-data-loss", &accept,
                 "required: you accept that the keys in the uncovered slots are gone");
  parser.AddBool("dry-run", &dry_run, "print what is lost and the plan, change nothing");
  parser.AddInt("wait-ms", &wait_ms, "wait this long for cluster_state:ok (default 60000)");
  if (int code = parser.ParseOrExit(argc, argv); code >= 0) return code;
  RedisOptions redis;
  if (Status s = cluster.Resolve(&redis); !s.ok()) {
    std::fprintf(stderr, "redis-cluster-agent cover-slots: %s\n", s.message().c_str());
    return s.code() == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  if (wait_ms <= 0) {
    std::fprintf(stderr, "redis-cluster-agent cover-slots: --wait-ms must be positive\n");
    return 2;
  }
  if (!accept && !dry_run) {
    std::fputs(kNeedsConsent, stderr);
    return 2;
  }
  HiredisConnector connector(redis);
  auto plan = engine::ObserveAndPlanSlotCover(connector, cluster.seed);
  if (!plan.ok()) {
    bool refused = plan.status().code() == ErrorCode::kFailedPrecondition;
    std::fprintf(
        stderr, "redis-cluster-agent cover-slots: %s%s\n",
        refused ? "REFUSED: " : "cannot read the cluster: ", plan.status().message().c_str());
    return 1;
  }
  if (plan->uncovered.empty()) {
    Print("every slot is served by a live master: nothing to cover");
    return 0;
  }
  for (const auto& line : engine::DescribeSlotCoverPlan(*plan)) Print(line);
  if (dry_run) {
    Print("dry run: nothing changed");
    return 0;
  }
  std::fflush(stdout);
  engine::SlotCoverOptions options;
  options.settle_timeout = std::chrono::milliseconds(wait_ms);
  Status done = engine::ExecuteSlotCover(connector, *plan, options, [](const std::string& line) {
    Print(line);
    std::fflush(stdout);
  });
  if (!done.ok()) {
    std::fprintf(stderr, "redis-cluster-agent cover-slots: FAILED: %s (run it again to finish)\n",
                 done.message().c_str());
    return 1;
  }
  const int kept = plan->kept_by_importers.Count();
  Print("cover-slots done: " + std::to_string(plan->uncovered.slots.Count()) +
        " slot(s) served again, empty; the keys that were in them are lost" +
        (kept == 0 ? std::string()
                   : " (but for the keys of " + std::to_string(kept) +
                         " slot(s) already imported by a live master)"));
  return 0;
}

}  // namespace rc::agent
