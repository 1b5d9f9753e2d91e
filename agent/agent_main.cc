// redis-cluster-agent: dispatches to one subcommand; each lives in agent/cli/.
#include <cstdio>
#include <cstring>
#include <string>

#include "agent/cli/commands.h"

namespace {

constexpr char kUsage[] =
    "usage: redis-cluster-agent COMMAND [FLAGS]\n"
    "\n"
    "In a pod (injected by redis-cluster-webhook):\n"
    "  init        render redis.conf into the shared config volume\n"
    "  run         the sidecar: form, grow, shrink and heal the cluster\n"
    "\n"
    "On any Redis Cluster:\n"
    "  status     --seed HOST:PORT [--json]\n"
    "  rebalance  --seed HOST:PORT [--use-empty-masters] [--weight NODE=W ...] [--batch N] "
    "[--dry-run]\n"
    "  drain      --seed HOST:PORT --node NODE_ID|HOST:PORT\n"
    "  cover-slots --seed HOST:PORT --accept-data-loss [--dry-run]\n"
    "             serve again, empty, the slots of a master lost with no replica\n"
    "\n"
    "COMMAND --help shows its flags. Exit codes: 0 ok, 1 failure, 2 bad usage.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "--version" || cmd == "version") {
    std::printf("redis-cluster-agent %s\n", RC_VERSION);
    return 0;
  }
  using Entry = int (*)(int, char**);
  struct {
    const char* name;
    Entry entry;
  } const commands[] = {
      {"init", rc::agent::InitCommand},     {"run", rc::agent::RunCommand},
      {"status", rc::agent::StatusCommand}, {"rebalance", rc::agent::RebalanceCommand},
      {"drain", rc::agent::DrainCommand},   {"cover-slots", rc::agent::CoverSlotsCommand},
  };
  for (const auto& c : commands) {
    if (cmd == c.name) return c.entry(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "redis-cluster-agent: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
