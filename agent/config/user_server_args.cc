#include "agent/config/user_server_args.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace rc::agent {
namespace {

bool IsServerBinary(const std::string& arg) {
  std::string base = arg.substr(arg.rfind('/') == std::string::npos ? 0 : arg.rfind('/') + 1);
  return base == "redis-server" || base == "valkey-server" || base == "redis-stack-server";
}

}  // namespace

Result<UserServerArgs> ParseUserServerArgs(std::string_view json_text) {
  UserServerArgs out;
  if (std::all_of(json_text.begin(), json_text.end(),
                  [](unsigned char c) { return std::isspace(c); }))
    return out;
  nlohmann::json json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_array())
    return InvalidArgument("REDIS_USER_ARGS is not a JSON array of strings: " +
                           std::string(json_text.substr(0, 200)));
  std::vector<std::string> argv;
  for (const auto& item : json) {
    if (!item.is_string())
      return InvalidArgument("REDIS_USER_ARGS holds a non-string element: " + item.dump());
    argv.push_back(item.get<std::string>());
  }
  if (argv.empty()) return out;
  size_t i = 0;
  if (IsServerBinary(argv[0])) {
    i = 1;
  } else if (argv[0].rfind("--", 0) != 0 && argv[0].find(".conf") == std::string::npos) {
    return InvalidArgument("REDIS_USER_ARGS starts with '" + argv[0] +
                           "', not redis-server or valkey-server: the agent can only merge a "
                           "redis-server command line; put settings in the "
                           "redis-cluster.io/config annotation instead");
  }
  if (i < argv.size() && argv[i].rfind("--", 0) != 0) {
    if (argv[i] == "-")
      return InvalidArgument(
          "REDIS_USER_ARGS reads its config from stdin ('-'), which cannot be "
          "merged");
    out.config_file = argv[i++];
  }
  while (i < argv.size()) {
    const std::string& word = argv[i];
    if (word.size() < 3 || word.rfind("--", 0) != 0)
      return InvalidArgument("REDIS_USER_ARGS: expected --directive, found '" + word + "'");
    Directive d;
    d.name = word.substr(2);
    std::transform(d.name.begin(), d.name.end(), d.name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    ++i;
    // Values run to the next "--name"; a lone "--" style value is not valid here.
    while (i < argv.size() && !(argv[i].size() > 2 && argv[i].rfind("--", 0) == 0))
      d.args.push_back(argv[i++]);
    if (d.args.empty()) return InvalidArgument("REDIS_USER_ARGS: --" + d.name + " has no value");
    out.directives.push_back(std::move(d));
  }
  return out;
}

}  // namespace rc::agent
