#include "webhook/redis_container.h"

#include <string_view>

#include "webhook/injection_options.h"
#include "webhook/json_merge.h"

namespace rc::webhook {
namespace {

using nlohmann::json;

std::string BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// "docker.io/valkey/valkey:8.0@sha256:..." -> "valkey"
std::string ImageBaseName(const std::string& image) {
  std::string_view view = image;
  view = view.substr(0, view.find('@'));
  size_t slash = view.rfind('/');
  std::string_view last = slash == std::string_view::npos ? view : view.substr(slash + 1);
  return std::string(last.substr(0, last.find(':')));
}

std::vector<std::string> Strings(const json& container, const char* key) {
  std::vector<std::string> out;
  auto it = container.find(key);
  if (it == container.end() || !it->is_array()) return out;
  for (const json& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

bool IsServerBinary(std::string_view arg) {
  std::string base = BaseName(arg);
  return base == "redis-server" || base == "valkey-server";
}

// The argv the container runs, as far as the pod spec tells. When only args are
// set the image entrypoint stays; the redis/valkey entrypoints run the server
// when the first arg is the server or a flag.
std::vector<std::string> EffectiveArgv(const json& container, ServerFlavor flavor) {
  std::vector<std::string> command = Strings(container, "command");
  std::vector<std::string> args = Strings(container, "args");
  if (!command.empty()) {
    if (BaseName(command[0]) == "docker-entrypoint.sh") command.erase(command.begin());
    command.insert(command.end(), args.begin(), args.end());
    return command;
  }
  if (!args.empty() && !args[0].empty() && args[0][0] == '-') {
    args.insert(args.begin(), ServerBinary(flavor));
  }
  return args;
}

bool StartsServer(const json& container) {
  std::vector<std::string> argv = EffectiveArgv(container, ServerFlavor::kRedis);
  return !argv.empty() && IsServerBinary(argv[0]);
}

bool IsAgentContainer(const json& container) {
  std::string name = StringField(container, "name");
  return name == kInitContainerName || name == kAgentContainerName;
}

bool ImageLooksLikeServer(const std::string& image) {
  std::string base = ImageBaseName(image);
  if (base.rfind("redis", 0) != 0 && base.rfind("valkey", 0) != 0) return false;
  for (std::string_view excluded : {"exporter", "sentinel", "commander", "insight", "cluster-agent",
                                    "cluster-webhook", "operator"}) {
    if (base.find(excluded) != std::string::npos) return false;
  }
  return true;
}

ServerFlavor FlavorOf(const json& container) {
  std::vector<std::string> argv = EffectiveArgv(container, ServerFlavor::kRedis);
  if (!argv.empty() && BaseName(argv[0]) == "valkey-server") return ServerFlavor::kValkey;
  if (!argv.empty() && BaseName(argv[0]) == "redis-server") return ServerFlavor::kRedis;
  std::string base = ImageBaseName(StringField(container, "image"));
  return base.rfind("valkey", 0) == 0 ? ServerFlavor::kValkey : ServerFlavor::kRedis;
}

}  // namespace

const char* ServerBinary(ServerFlavor flavor) {
  return flavor == ServerFlavor::kValkey ? "valkey-server" : "redis-server";
}

std::vector<std::string> InjectedCommand(ServerFlavor flavor) {
  return {ServerBinary(flavor), kConfigFile};
}

Result<RedisContainerRef> FindRedisContainer(const json& containers) {
  if (!containers.is_array() || containers.empty()) {
    return InvalidArgument("spec.template.spec.containers is empty; want a redis container");
  }
  auto pick = [&](auto&& matches, const char* how) -> std::optional<RedisContainerRef> {
    for (size_t i = 0; i < containers.size(); ++i) {
      const json& c = containers[i];
      if (!c.is_object() || IsAgentContainer(c)) continue;
      if (matches(c)) return RedisContainerRef{i, FlavorOf(c), how};
    }
    return std::nullopt;
  };
  if (auto by_name = pick(
          [](const json& c) {
            std::string name = StringField(c, "name");
            return name == "redis" || name == "valkey";
          },
          "name")) {
    return *by_name;
  }
  if (auto by_command = pick(StartsServer, "command")) return *by_command;
  if (auto by_image = pick(
          [](const json& c) { return ImageLooksLikeServer(StringField(c, "image")); }, "image")) {
    return *by_image;
  }
  return InvalidArgument(
      "spec.template.spec.containers has no redis container; checked each container's name "
      "(redis, valkey), command/args (starting redis-server or valkey-server) and image "
      "(basename redis* or valkey*)");
}

CommandPlan PlanCommand(const json& container, ServerFlavor flavor) {
  CommandPlan plan;
  const std::vector<std::string> injected = InjectedCommand(flavor);
  if (Strings(container, "command") == injected && !container.contains("args")) {
    plan.already_injected = true;
    return plan;
  }
  std::vector<std::string> argv = EffectiveArgv(container, flavor);
  if (argv.empty()) {
    plan.replace = true;
    return plan;
  }
  if (IsServerBinary(argv[0])) {
    plan.replace = true;
    if (argv.size() == 2 && argv[1] == kConfigFile) {
      plan.already_injected = true;
    } else if (argv.size() > 1) {
      plan.user_args = argv;
    }
    return plan;
  }
  std::string joined;
  for (const std::string& a : argv) joined += (joined.empty() ? "" : " ") + a;
  if (joined.find(kConfigFile) == std::string::npos) {
    plan.warning = "container " + StringField(container, "name") + " runs its own command (" +
                   joined.substr(0, 80) + "), left unchanged: it must start " +
                   ServerBinary(flavor) + " with " + kConfigFile +
                   " for the node to join the cluster";
  }
  return plan;
}

}  // namespace rc::webhook
