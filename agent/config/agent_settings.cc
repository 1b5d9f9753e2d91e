#include "agent/config/agent_settings.h"

#include <fstream>
#include <map>
#include <sstream>

namespace rc::agent {
namespace {

struct Spec {
  const char* flag;
  const char* env;
  const char* help;
};

// Shared flags, each with the environment variable the webhook sets.
constexpr Spec kSpecs[] = {
    {"pod-name", "POD_NAME", "this pod's name (redis-3)"},
    {"pod-namespace", "POD_NAMESPACE", "this pod's namespace"},
    {"pod-ip", "POD_IP", "this pod's IP (cluster-announce-ip)"},
    {"node-name", "NODE_NAME", "the Kubernetes node this pod runs on"},
    {"service-account", "POD_SERVICE_ACCOUNT",
     "this pod's ServiceAccount, named in RBAC hints (default)"},
    {"service-name", "SERVICE_NAME", "the StatefulSet's headless Service"},
    {"statefulset-name", "STATEFULSET_NAME", "the StatefulSet's name"},
    {"replicas-per-master", "REDIS_CLUSTER_REPLICAS_PER_MASTER", "replicas per master (1)"},
    {"node-timeout-ms", "REDIS_CLUSTER_NODE_TIMEOUT_MS", "cluster-node-timeout (5000)"},
    {"extra-config", "REDIS_CLUSTER_EXTRA_CONFIG", "extra redis.conf lines"},
    {"password-file", "REDIS_PASSWORD_FILE", "file holding the password (else REDIS_PASSWORD)"},
    {"data-dir", "REDIS_DATA_DIR", "redis data dir (/data)"},
    {"image", "REDIS_IMAGE", "the redis container's image (redis:7.0)"},
    {"user-args", "REDIS_USER_ARGS", "JSON array: the user's own redis-server command line"},
    {"config-dir", "REDIS_CLUSTER_CONFIG_DIR", "shared config dir (/etc/redis-cluster)"},
    {"cluster-domain", "CLUSTER_DOMAIN", "cluster DNS domain (from /etc/resolv.conf)"},
    {"redis-port", "REDIS_PORT", "redis client port (6379)"},
    {"bind-address", "REDIS_BIND_ADDRESS", "bind redis to one address (tests; default all)"},
    {"tls-dir", "REDIS_CLUSTER_TLS_DIR",
     "TLS for every redis connection: dir with tls.crt, tls.key, ca.crt (default: plain)"},
    {"tls-auth-clients", "REDIS_CLUSTER_TLS_AUTH_CLIENTS",
     "with --tls-dir: tls-auth-clients no (default), optional or yes"},
    {"migration-speed", "REDIS_CLUSTER_MIGRATION_SPEED",
     "how the coordinator moves slots: gentle (default; client p99 stays near idle) or fast"},
};

Result<int> ToInt(const std::string& name, const std::string& value, int min) {
  try {
    size_t used = 0;
    int v = std::stoi(value, &used);
    if (used != value.size() || v < min) throw std::invalid_argument(value);
    return v;
  } catch (const std::exception&) {
    return InvalidArgument("--" + name + "='" + value +
                           "' is not a whole number >= " + std::to_string(min));
  }
}

Result<std::string> ReadWholeFile(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) return NotFound(what + " '" + path + "' cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string ClusterDomainFromResolvConf(const std::string& resolv_conf) {
  std::istringstream in(resolv_conf);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string word;
    words >> word;
    if (word != "search") continue;
    while (words >> word) {
      size_t pos = word.find("svc.");
      if (pos == 0 || (pos != std::string::npos && word[pos - 1] == '.')) {
        std::string domain = word.substr(pos + 4);
        while (!domain.empty() && domain.back() == '.') domain.pop_back();
        if (!domain.empty()) return domain;
      }
    }
  }
  return "";
}

Result<AgentSettings> ParseAgentSettings(int argc, char** argv, const EnvLookup& getenv,
                                         const ExtraFlags& extra) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--password" || arg.rfind("--password=", 0) == 0)
      return InvalidArgument(
          "--password is refused: process arguments are visible to every user; "
          "use REDIS_PASSWORD or --password-file");
  }
  // Each shared flag starts as its environment variable; a flag given wins.
  std::map<std::string, std::string> values;
  FlagParser parser(std::string(argc > 0 ? argv[0] : "agent") + " [FLAGS]",
                    "Each flag in [brackets] is also read from that environment variable (what "
                    "the webhook injects); a flag given wins. The password is read from "
                    "REDIS_PASSWORD or --password-file, never from a flag.");
  for (const auto& s : kSpecs) {
    const char* v = getenv(s.env);
    std::string* value = &values[s.flag];
    if (v != nullptr) *value = v;
    parser.AddString(s.flag, value, std::string("[") + s.env + "] " + s.help);
  }
  if (extra) extra(parser);
  switch (parser.Parse(argc, argv)) {
    case FlagParser::Outcome::kHelp:
      return FailedPrecondition(parser.Usage());
    case FlagParser::Outcome::kBadUsage:
      return InvalidArgument(parser.error());
    case FlagParser::Outcome::kOk:
      break;
  }

  AgentSettings out;
  auto get = [&](const char* name) {
    auto it = values.find(name);
    return it == values.end() ? std::string() : it->second;
  };
  out.pod.pod_name = get("pod-name");
  out.pod.namespace_name = get("pod-namespace");
  out.pod.pod_ip = get("pod-ip");
  out.pod.service_name = get("service-name");
  out.node_name = get("node-name");
  if (!get("service-account").empty()) out.service_account = get("service-account");
  out.statefulset_name = get("statefulset-name");
  if (!get("cluster-domain").empty()) {
    out.pod.cluster_domain = get("cluster-domain");
  } else {
    auto resolv = ReadWholeFile("/etc/resolv.conf", "resolv.conf");
    std::string domain = resolv.ok() ? ClusterDomainFromResolvConf(*resolv) : "";
    if (!domain.empty()) out.pod.cluster_domain = domain;
  }
  if (!get("replicas-per-master").empty()) {
    auto v = ToInt("replicas-per-master", get("replicas-per-master"), 0);
    if (!v.ok()) return v.status();
    out.replicas_per_master = *v;
  }
  if (!get("node-timeout-ms").empty()) {
    auto v = ToInt("node-timeout-ms", get("node-timeout-ms"), 100);
    if (!v.ok()) return v.status();
    out.conf.node_timeout_ms = *v;
  }
  if (!get("redis-port").empty()) {
    auto v = ToInt("redis-port", get("redis-port"), 1);
    if (!v.ok()) return v.status();
    out.conf.port = *v;
  }
  const std::string speed = get("migration-speed");
  if (speed == "fast") {
    out.fast_migration = true;
  } else if (!speed.empty() && speed != "gentle") {
    return InvalidArgument("--migration-speed (REDIS_CLUSTER_MIGRATION_SPEED) is '" + speed +
                           "'; want gentle (the default) or fast");
  }
  out.conf.extra_config = get("extra-config");
  if (!get("data-dir").empty()) out.conf.data_dir = get("data-dir");
  if (!get("config-dir").empty()) out.config_dir = get("config-dir");
  out.conf.image = get("image");
  out.conf.bind_address = get("bind-address");
  out.conf.tls_dir = get("tls-dir");
  if (!get("tls-auth-clients").empty()) out.conf.tls_auth_clients = get("tls-auth-clients");
  if (out.conf.tls_dir.empty() && !get("tls-auth-clients").empty())
    return InvalidArgument("--tls-auth-clients (REDIS_CLUSTER_TLS_AUTH_CLIENTS) needs --tls-dir");
  auto user = ParseUserServerArgs(get("user-args"));
  if (!user.ok()) return user.status();
  out.conf.user = *user;
  if (!get("password-file").empty()) {
    auto pw = ReadWholeFile(get("password-file"), "password file");
    if (!pw.ok()) return pw.status();
    std::string text = *pw;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    out.conf.password = text;
  } else if (const char* pw = getenv("REDIS_PASSWORD"); pw != nullptr) {
    out.conf.password = pw;
  }
  return out;
}

}  // namespace rc::agent
