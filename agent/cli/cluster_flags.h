// Flags shared by status / rebalance / drain: the seed, how to authenticate
// (never a password on the command line: --password-file, or the environment
// variables REDISCLI_AUTH / REDIS_PASSWORD), timeouts and log verbosity.
#pragma once

#include <string>

#include "agent/cli/flag_parser.h"
#include "common/redis_client.h"
#include "common/status.h"

namespace rc::agent {

struct ClusterFlags {
  std::string seed;
  std::string password_file;
  std::string user;
  int timeout_ms = 5000;
  int verbosity = 0;

  void Register(FlagParser& parser);
  // Checks the seed (kInvalidArgument: bad usage) and loads the password
  // (registered as a secret for log redaction). Fills `options`.
  Status Resolve(RedisOptions* options) const;
};

}  // namespace rc::agent
