// Recognising the redis container in a pod template, and deciding how its
// command becomes "redis-server <rendered conf>" (pure; no JSON is modified).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace rc::webhook {

// Which server binary the image ships.
enum class ServerFlavor { kRedis, kValkey };

struct RedisContainerRef {
  size_t index = 0;  // in spec.template.spec.containers
  ServerFlavor flavor = ServerFlavor::kRedis;
  std::string matched_by;  // "name", "command" or "image", for messages
};

// The container that runs redis, looked for in `containers` (a JSON array) in
// this order: a container named redis or valkey; one whose command (or args,
// when the image entrypoint is kept) starts redis-server/valkey-server; one whose
// image basename is redis*/valkey* (exporters, sentinels and the agent image
// excluded). The agent's own containers are never candidates. kInvalidArgument
// when none matches, saying which fields were checked.
Result<RedisContainerRef> FindRedisContainer(const nlohmann::json& containers);

// "redis-server" or "valkey-server".
const char* ServerBinary(ServerFlavor flavor);

// The redis container's command after injection: [server, /etc/redis-cluster/redis.conf].
std::vector<std::string> InjectedCommand(ServerFlavor flavor);

struct CommandPlan {
  bool replace = false;  // set `command` to InjectedCommand() and remove `args`
  // The user's own argv (command+args) to hand to `init` in REDIS_USER_ARGS;
  // nullopt when there is nothing to merge.
  std::optional<std::vector<std::string>> user_args;
  // The container already runs the injected command (user_args then comes from
  // the existing init container, which the caller knows).
  bool already_injected = false;
  // Set when the command is left alone because it is not redis-server.
  std::optional<std::string> warning;
};

// Decides what happens to `container`'s command/args (see the design's
// "redis container gets command" rule).
CommandPlan PlanCommand(const nlohmann::json& container, ServerFlavor flavor);

}  // namespace rc::webhook
