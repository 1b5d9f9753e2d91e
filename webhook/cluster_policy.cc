#include "webhook/cluster_policy.h"

#include <array>
#include <cctype>
#include <string_view>
#include <vector>

#include "webhook/injection_options.h"

namespace rc::webhook {
namespace {

constexpr std::string_view kReplicasPerMaster = "replicas-per-master";
constexpr std::string_view kAntiAffinity = "anti-affinity";
constexpr std::string_view kPasswordSecret = "password-secret";
constexpr std::string_view kConfig = "config";
constexpr std::string_view kNodeTimeout = "node-timeout-ms";
constexpr std::string_view kMigrationSpeed = "migration-speed";
constexpr std::string_view kTlsSecret = "tls-secret";
constexpr std::string_view kTlsAuthClients = "tls-auth-clients";
// Written by the coordinating agent (its one-line summary), never read here:
// accepted with any value, so the agent's PATCH is not denied.
constexpr std::string_view kAgentStatus = "status";

constexpr std::array<std::string_view, 8> kKnownKeys = {
    kReplicasPerMaster, kAntiAffinity,   kPasswordSecret, kConfig,
    kNodeTimeout,       kMigrationSpeed, kTlsSecret,      kTlsAuthClients};

// Directives the agent renders itself; a user value would break the cluster.
constexpr std::array<std::string_view, 18> kOwnedDirectives = {"cluster-enabled",
                                                               "cluster-config-file",
                                                               "cluster-port",
                                                               "cluster-node-timeout",
                                                               "port",
                                                               "bind",
                                                               "dir",
                                                               "requirepass",
                                                               "masterauth",
                                                               "protected-mode",
                                                               "include",
                                                               "tls-port",
                                                               "tls-cert-file",
                                                               "tls-key-file",
                                                               "tls-ca-cert-file",
                                                               "tls-cluster",
                                                               "tls-replication",
                                                               "tls-auth-clients"};

std::string AnnotationName(std::string_view key) {
  return std::string("metadata.annotations[\"") + kAnnotationPrefix + std::string(key) + "\"]";
}

// Quotes a user value for a message: printable ASCII only, at most 64 chars.
std::string Quote(std::string_view value) {
  std::string out = "\"";
  for (size_t i = 0; i < value.size() && i < 64; ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (value.size() > 64) out += "...";
  return out + "\"";
}

Result<int> ParseBoundedInt(std::string_view key, const std::string& value, int min, int max,
                            int fallback) {
  auto invalid = [&] {
    return InvalidArgument(AnnotationName(key) + " is " + Quote(value) + "; want an integer from " +
                           std::to_string(min) + " to " + std::to_string(max) + " (default " +
                           std::to_string(fallback) + ")");
  };
  if (value.empty() || value.size() > 6) return invalid();
  int parsed = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return invalid();
    parsed = parsed * 10 + (c - '0');
  }
  if (parsed < min || parsed > max) return invalid();
  return parsed;
}

bool IsDns1123Subdomain(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return alnum(name.front()) && alnum(name.back());
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool IsOwnedDirective(const std::string& lowered) {
  if (lowered.rfind("cluster-announce-", 0) == 0) return true;
  for (std::string_view owned : kOwnedDirectives) {
    if (lowered == owned) return true;
  }
  return false;
}

}  // namespace

const char* AntiAffinityName(AntiAffinity mode) {
  switch (mode) {
    case AntiAffinity::kPreferred:
      return "preferred";
    case AntiAffinity::kRequired:
      return "required";
    case AntiAffinity::kNone:
      return "none";
  }
  return "preferred";
}

Result<std::string> ValidateExtraConfig(const std::string& value) {
  const std::string name = AnnotationName(kConfig);
  std::vector<std::string> lines;
  size_t line_number = 0;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find('\n', start);
    if (end == std::string::npos) end = value.size();
    std::string_view line = Trim(std::string_view(value).substr(start, end - start));
    ++line_number;
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    std::string where = name + " line " + std::to_string(line_number) + " " + Quote(line);
    for (char c : line) {
      unsigned char u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) {
        return InvalidArgument(where + " has a control character; want `directive value` lines");
      }
    }
    size_t split = line.find_first_of(" \t");
    std::string directive(line.substr(0, split));
    bool well_formed = split != std::string::npos && !directive.empty() &&
                       std::isalpha(static_cast<unsigned char>(directive[0]));
    for (char& c : directive) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') well_formed = false;
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (!well_formed || Trim(line.substr(split)).empty()) {
      return InvalidArgument(where +
                             " is not a redis.conf line; want `directive value...`, e.g. "
                             "\"maxmemory 1gb\"");
    }
    if (IsOwnedDirective(directive)) {
      return InvalidArgument(where + " sets `" + directive +
                             "`, which the agent manages (cluster-*, port, bind, dir, requirepass, "
                             "masterauth, protected-mode, include are not accepted; use the "
                             "password-secret and node-timeout-ms annotations instead)");
    }
    lines.emplace_back(line);
  }
  if (lines.empty()) {
    return InvalidArgument(name +
                           " has no directive; want `directive value` lines, e.g. "
                           "\"maxmemory 1gb\", or remove the annotation");
  }
  std::string joined;
  for (const std::string& l : lines) {
    if (!joined.empty()) joined += '\n';
    joined += l;
  }
  return joined;
}

Result<ClusterPolicy> ParseClusterPolicy(const nlohmann::json& annotations) {
  ClusterPolicy policy;
  if (annotations.is_null()) return policy;
  if (!annotations.is_object()) return InvalidArgument("metadata.annotations is not an object");
  const std::string prefix = kAnnotationPrefix;
  for (const auto& [full_key, raw] : annotations.items()) {
    if (full_key.rfind(prefix, 0) != 0) continue;
    std::string key = full_key.substr(prefix.size());
    if (key == kAgentStatus) continue;
    if (!raw.is_string()) return InvalidArgument(AnnotationName(key) + " is not a string");
    const std::string value = raw.get<std::string>();
    if (key == kReplicasPerMaster) {
      auto parsed = ParseBoundedInt(key, value, 0, 5, 1);
      if (!parsed.ok()) return parsed.status();
      policy.replicas_per_master = *parsed;
    } else if (key == kNodeTimeout) {
      auto parsed = ParseBoundedInt(key, value, 1000, 60000, 5000);
      if (!parsed.ok()) return parsed.status();
      policy.node_timeout_ms = *parsed;
    } else if (key == kAntiAffinity) {
      if (value == "preferred") {
        policy.anti_affinity = AntiAffinity::kPreferred;
      } else if (value == "required") {
        policy.anti_affinity = AntiAffinity::kRequired;
      } else if (value == "none") {
        policy.anti_affinity = AntiAffinity::kNone;
      } else {
        return InvalidArgument(AnnotationName(key) + " is " + Quote(value) +
                               "; want one of preferred (default), required, none");
      }
    } else if (key == kPasswordSecret) {
      if (!IsDns1123Subdomain(value)) {
        return InvalidArgument(AnnotationName(key) + " is " + Quote(value) +
                               "; want a Secret name (lowercase letters, digits, '-' and '.', "
                               "at most 253) holding the key `password`");
      }
      policy.password_secret = value;
    } else if (key == kMigrationSpeed) {
      if (value != "gentle" && value != "fast") {
        return InvalidArgument(AnnotationName(key) + " is " + Quote(value) +
                               "; want gentle (default: client latency stays near idle) or fast");
      }
      policy.fast_migration = value == "fast";
    } else if (key == kTlsSecret) {
      if (!IsDns1123Subdomain(value)) {
        return InvalidArgument(AnnotationName(key) + " is " + Quote(value) +
                               "; want a Secret name (lowercase letters, digits, '-' and '.', "
                               "at most 253) of type kubernetes.io/tls with tls.crt, tls.key "
                               "and ca.crt");
      }
      policy.tls_secret = value;
    } else if (key == kTlsAuthClients) {
      if (value != "no" && value != "optional" && value != "yes") {
        return InvalidArgument(AnnotationName(key) + " is " + Quote(value) +
                               "; want no (default), optional or yes");
      }
      policy.tls_auth_clients = value;
    } else if (key == kConfig) {
      auto validated = ValidateExtraConfig(value);
      if (!validated.ok()) return validated.status();
      policy.extra_config = *validated;
    } else {
      std::string known;
      for (std::string_view k : kKnownKeys) {
        known += (known.empty() ? "" : ", ") + prefix + std::string(k);
      }
      return InvalidArgument("metadata.annotations[" + Quote(full_key) +
                             "] is not a known annotation; known: " + known);
    }
  }
  if (!policy.tls_secret && policy.tls_auth_clients != "no") {
    return InvalidArgument(AnnotationName(kTlsAuthClients) + " needs " +
                           AnnotationName(kTlsSecret) +
                           " (the certificates clients are checked "
                           "against)");
  }
  return policy;
}

}  // namespace rc::webhook
