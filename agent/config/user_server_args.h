// The user's own redis-server command line (REDIS_USER_ARGS, a JSON array the
// webhook saved before it set `redis-server /etc/redis-cluster/redis.conf`),
// parsed into what the rendered config must keep: their config file and their
// `--directive value...` options. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/config/conf_directive.h"
#include "common/status.h"

namespace rc::agent {

struct UserServerArgs {
  std::string config_file;            // "" when they ran redis-server without one
  std::vector<Directive> directives;  // from "--name value..." in their order
};

// Accepts ["redis-server", "/path/redis.conf", "--maxmemory", "1gb", ...] (the
// binary may be a path, or valkey-server / redis-stack-server). Empty text or
// "[]" gives an empty result. Errors name what was wrong: not a JSON array of
// strings, a command that is not a redis server (e.g. `sh -c ...`, which the
// agent cannot merge), stdin config ("-").
Result<UserServerArgs> ParseUserServerArgs(std::string_view json_text);

}  // namespace rc::agent
