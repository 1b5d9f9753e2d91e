// One entry point per subcommand of redis-cluster-agent. Each parses its own
// flags (argv[0] is the subcommand name) and returns the process exit code:
// 0 ok, 1 failure, 2 bad usage.
#pragma once

namespace rc::agent {

int InitCommand(int argc, char** argv);        // render redis.conf (cli/init_command.cc)
int RunCommand(int argc, char** argv);         // the sidecar loop (cli/run_command.cc)
int StatusCommand(int argc, char** argv);      // cli/status_command.cc
int RebalanceCommand(int argc, char** argv);   // cli/rebalance_command.cc
int DrainCommand(int argc, char** argv);       // cli/drain_command.cc
int CoverSlotsCommand(int argc, char** argv);  // cli/cover_slots_command.cc

}  // namespace rc::agent
