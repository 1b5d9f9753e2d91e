// The settings `init` and `run` share: every value comes from the environment
// the webhook injects (POD_NAME, POD_IP, REDIS_IMAGE...) and can be given as a
// flag instead (flags win), so the agent also runs outside Kubernetes. The
// password never comes from a flag (process arguments are visible to every
// user of the host): REDIS_PASSWORD or --password-file.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "agent/config/redis_conf.h"
#include "common/flag_parser.h"
#include "common/status.h"

namespace rc::agent {

struct AgentSettings {
  PodFacts pod;
  ConfOptions conf;
  std::string node_name;                          // NODE_NAME: the Kubernetes node this pod runs on
  std::string service_account = "default";        // POD_SERVICE_ACCOUNT: named in RBAC hints
  std::string statefulset_name;                   // STATEFULSET_NAME
  int replicas_per_master = 1;                    // REDIS_CLUSTER_REPLICAS_PER_MASTER
  std::string config_dir = "/etc/redis-cluster";  // shared emptyDir (redis.conf, prestop files)
  // REDIS_CLUSTER_MIGRATION_SPEED=fast: the coordinator moves slots with
  // engine::MakeFast (as `rebalance --fast`); gentle (false) by default.
  bool fast_migration = false;
};

// Reads environment variables through `getenv` (injectable for tests).
using EnvLookup = std::function<const char*(const char*)>;

// Adds the subcommand's own flags (run's --http-port, ...) to the parser.
using ExtraFlags = std::function<void(FlagParser&)>;

// Parses argv (argv[0] is the subcommand) with FlagParser: the shared flags,
// each defaulting to its environment variable, plus what `extra` adds.
// Errors (kInvalidArgument, naming the flag): an unknown flag, a missing
// value, a number that is not one, the --password flag (refused, with the
// alternatives). "--help" yields kFailedPrecondition with the usage text as
// message.
Result<AgentSettings> ParseAgentSettings(int argc, char** argv, const EnvLookup& getenv,
                                         const ExtraFlags& extra = nullptr);

// Reads the cluster domain from resolv.conf text: the search entry that
// follows "svc." ("ns.svc.cluster.local" -> "cluster.local"); "" when none.
std::string ClusterDomainFromResolvConf(const std::string& resolv_conf);

}  // namespace rc::agent
