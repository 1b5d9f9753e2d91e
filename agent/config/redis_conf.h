// Renders the redis.conf that `redis-cluster-agent init` writes into the shared
// config volume, from the pod's facts and the injected options. Pure: values in,
// text out; no file or network access (the CLI reads env and writes the file).
//
// Contract:
// - Cluster settings come last so they win over the user's own config file
//   (kept through `include`), their `--directive` arguments and the
//   redis-cluster.io/config extra lines.
// - The file never holds a directive the image's server version rejects: each
//   cluster directive has the version that introduced it; when the image tag
//   does not tell the version (`latest`), only what 5.0 accepts is written and
//   `run` applies the rest with CONFIG SET once INFO server tells the version
//   (DeferredDirectives).
#pragma once

#include <string>
#include <vector>

#include "agent/config/conf_directive.h"
#include "agent/config/server_version.h"
#include "agent/config/user_server_args.h"
#include "common/status.h"

namespace rc::agent {

// What the downward API and the StatefulSet tell about this pod.
struct PodFacts {
  std::string pod_name;        // "redis-3"
  std::string namespace_name;  // "shop"
  std::string pod_ip;          // "10.0.3.7" (IPv4 or IPv6)
  std::string service_name;    // the StatefulSet's headless Service; "" skips the hostname
  std::string cluster_domain = "cluster.local";
};

struct ConfOptions {
  std::string image;               // redis container image, e.g. "redis:5.0.4"; "" = unknown
  int port = 6379;                 // client port (bus port is port + 10000)
  int node_timeout_ms = 5000;      // cluster-node-timeout
  std::string data_dir = "/data";  // dir, nodes.conf and the AOF live here
  std::string password;            // requirepass + masterauth; "" = none (protected-mode no)
  std::string extra_config;        // redis-cluster.io/config lines, validated by the webhook
  UserServerArgs user;             // the user's own command line (REDIS_USER_ARGS)
  std::string bind_address;        // "" = all interfaces; tests bind one loopback address
  // TLS: a directory holding tls.crt, tls.key and ca.crt (a kubernetes.io/tls
  // Secret as cert-manager writes it). "" = plain text. With TLS the client
  // port is tls-port (port 0: no plain listener) and the bus and replication
  // use TLS too; needs a server >= 6.0.
  std::string tls_dir;
  std::string tls_auth_clients = "no";  // tls-auth-clients: no, optional or yes
};

// The files of ConfOptions::tls_dir.
std::string TlsCertFile(const std::string& tls_dir);
std::string TlsKeyFile(const std::string& tls_dir);
std::string TlsCaFile(const std::string& tls_dir);

struct RenderedConf {
  std::string text;                     // the whole redis.conf
  ServerVersion rendered_for;           // the version the file was limited to
  std::vector<Directive> left_out;      // cluster directives the file could not hold
  std::vector<std::string> overridden;  // user directives the cluster settings replace
};

// The cluster settings this pod needs, in file order, regardless of version.
Result<std::vector<Directive>> ClusterDirectives(const PodFacts& pod, const ConfOptions& options);

// The Redis-compatible version that introduced `directive` (5.0 for old ones).
void DirectiveMinVersion(const std::string& directive, int* major, int* minor);

Result<RenderedConf> RenderRedisConf(const PodFacts& pod, const ConfOptions& options);

// Cluster directives the file left out (the image tag did not promise them)
// that the running server does accept: `run` applies them with CONFIG SET.
Result<std::vector<Directive>> DeferredDirectives(const PodFacts& pod, const ConfOptions& options,
                                                  const ServerVersion& running);

}  // namespace rc::agent
