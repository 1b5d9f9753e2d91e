#include "agent/config/redis_conf.h"

#include <arpa/inet.h>

#include <set>

#include "agent/config/agent_user.h"

namespace rc::agent {
namespace {

struct IntroducedIn {
  const char* name;
  int major;
  int minor;
};

// Cluster directives younger than 5.0 (the oldest supported server).
constexpr IntroducedIn kIntroducedIn[] = {
    {"cluster-allow-replica-migration", 6, 2},
    {"cluster-announce-hostname", 7, 0},
    {"bind-source-addr", 7, 0},
    {"user", 6, 0},  // ACL
};

// A user's aclfile and `user` lines in redis.conf exclude each other: the
// server refuses to start with both.
bool UsesAclFile(const ConfOptions& options) {
  for (const auto& d : options.user.directives)
    if (d.name == "aclfile") return true;
  auto extra = ParseConfText(options.extra_config);
  if (extra.ok())
    for (const auto& d : *extra)
      if (d.name == "aclfile") return true;
  return false;
}

Status ValidateIp(const std::string& ip) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1)
    return Status::Ok();
  return InvalidArgument("'" + ip + "' is not an IP address");
}

Status Validate(const PodFacts& pod, const ConfOptions& options) {
  if (pod.pod_ip.empty()) return InvalidArgument("POD_IP is empty (set it or --pod-ip)");
  RC_RETURN_IF_ERROR(ValidateIp(pod.pod_ip).WithContext("POD_IP"));
  if (!options.bind_address.empty())
    RC_RETURN_IF_ERROR(ValidateIp(options.bind_address).WithContext("bind address"));
  if (options.port < 1 || options.port > 55535)
    return InvalidArgument("port " + std::to_string(options.port) +
                           " is out of range 1..55535 (the bus port is port + 10000)");
  if (options.node_timeout_ms < 100)
    return InvalidArgument("node timeout " + std::to_string(options.node_timeout_ms) +
                           " ms is below 100 ms");
  if (options.data_dir.empty() || options.data_dir[0] != '/')
    return InvalidArgument("data dir '" + options.data_dir + "' is not an absolute path");
  if (!pod.service_name.empty() && pod.pod_name.empty())
    return InvalidArgument("POD_NAME is empty but SERVICE_NAME is set");
  if (!options.tls_dir.empty()) {
    if (options.tls_dir[0] != '/')
      return InvalidArgument("TLS dir '" + options.tls_dir + "' is not an absolute path");
    const ServerVersion image = ParseImageVersion(options.image);
    if (image.known && !image.AtLeast(6, 0))
      return InvalidArgument("TLS needs redis >= 6.0; the image '" + options.image + "' is " +
                             image.ToString());
  }
  const std::string& auth = options.tls_auth_clients;
  if (auth != "no" && auth != "optional" && auth != "yes")
    return InvalidArgument("tls-auth-clients '" + auth + "' is not one of no, optional, yes");
  return Status::Ok();
}

bool FileAccepts(const ServerVersion& v, const std::string& name) {
  // TLS settings cannot wait for CONFIG SET: without them the server would
  // start with no listener. Validate() refused images known to be older.
  if (name.rfind("tls-", 0) == 0) return true;
  int major = 0, minor = 0;
  DirectiveMinVersion(name, &major, &minor);
  return v.AtLeast(major, minor);
}

}  // namespace

std::string TlsCertFile(const std::string& tls_dir) { return tls_dir + "/tls.crt"; }
std::string TlsKeyFile(const std::string& tls_dir) { return tls_dir + "/tls.key"; }
std::string TlsCaFile(const std::string& tls_dir) { return tls_dir + "/ca.crt"; }

void DirectiveMinVersion(const std::string& directive, int* major, int* minor) {
  *major = kOldestMajor;
  *minor = kOldestMinor;
  for (const auto& entry : kIntroducedIn) {
    if (directive == entry.name) {
      *major = entry.major;
      *minor = entry.minor;
    }
  }
}

Result<std::vector<Directive>> ClusterDirectives(const PodFacts& pod, const ConfOptions& options) {
  RC_RETURN_IF_ERROR(Validate(pod, options));
  std::vector<Directive> d;
  if (options.tls_dir.empty()) {
    d.push_back({"port", {std::to_string(options.port)}});
  } else {
    d.push_back({"port", {"0"}});
    d.push_back({"tls-port", {std::to_string(options.port)}});
    d.push_back({"tls-cert-file", {TlsCertFile(options.tls_dir)}});
    d.push_back({"tls-key-file", {TlsKeyFile(options.tls_dir)}});
    d.push_back({"tls-ca-cert-file", {TlsCaFile(options.tls_dir)}});
    d.push_back({"tls-cluster", {"yes"}});
    d.push_back({"tls-replication", {"yes"}});
    d.push_back({"tls-auth-clients", {options.tls_auth_clients}});
  }
  if (!options.bind_address.empty()) d.push_back({"bind", {options.bind_address}});
  d.push_back({"daemonize", {"no"}});
  d.push_back({"dir", {options.data_dir}});
  d.push_back({"cluster-enabled", {"yes"}});
  d.push_back({"cluster-config-file", {options.data_dir + "/nodes.conf"}});
  d.push_back({"cluster-node-timeout", {std::to_string(options.node_timeout_ms)}});
  d.push_back({"appendonly", {"yes"}});
  d.push_back({"cluster-announce-ip", {pod.pod_ip}});
  // Replicas never wander on their own: the agent makes every topology change.
  d.push_back({"cluster-migration-barrier", {"999"}});
  if (options.password.empty()) {
    d.push_back({"protected-mode", {"no"}});
  } else {
    d.push_back({"requirepass", {options.password}});
    d.push_back({"masterauth", {options.password}});
    if (!UsesAclFile(options)) d.push_back(AgentUserDirective(AgentPassword(options.password)));
  }
  d.push_back({"cluster-allow-replica-migration", {"no"}});
  if (!pod.service_name.empty()) {
    d.push_back({"cluster-announce-hostname",
                 {pod.pod_name + "." + pod.service_name + "." + pod.namespace_name + ".svc." +
                  pod.cluster_domain}});
  }
  if (!options.bind_address.empty()) d.push_back({"bind-source-addr", {options.bind_address}});
  return d;
}

Result<RenderedConf> RenderRedisConf(const PodFacts& pod, const ConfOptions& options) {
  auto cluster = ClusterDirectives(pod, options);
  if (!cluster.ok()) return cluster.status();
  auto extra = ParseConfText(options.extra_config);
  if (!extra.ok()) return extra.status().WithContext("redis-cluster.io/config");

  RenderedConf out;
  out.rendered_for = ParseImageVersion(options.image);
  std::set<std::string> cluster_names;
  for (const auto& d : *cluster) cluster_names.insert(d.name);

  std::string& t = out.text;
  t += "# Rendered by redis-cluster-agent init for pod " + pod.pod_name + " (image '" +
       options.image + "', " + out.rendered_for.ToString() +
       ").\n# Re-rendered at every pod start: edit the StatefulSet, not this file.\n";
  // Defaults first, so the user's own lines below override them. A new or
  // restarted replica syncs at once instead of after redis's 5 s wait for more
  // replicas: the shard is without a replica (and its pod not Ready) shorter.
  t += "\n# Defaults (the lines below may override them).\n";
  t += FormatDirective({"repl-diskless-sync-delay", {"0"}}) + "\n";
  if (!options.user.config_file.empty() || !options.user.directives.empty()) {
    t += "\n# The container's own configuration (its original command line).\n";
    if (!options.user.config_file.empty())
      t += FormatDirective({"include", {options.user.config_file}}) + "\n";
    for (const auto& d : options.user.directives) {
      if (cluster_names.count(d.name) && d.name != "user") out.overridden.push_back(d.name);
      t += FormatDirective(d) + "\n";
    }
  }
  if (!extra->empty()) {
    t += "\n# Extra lines from the redis-cluster.io/config annotation.\n";
    for (const auto& d : *extra) {
      if (cluster_names.count(d.name) && d.name != "user") out.overridden.push_back(d.name);
      t += FormatDirective(d) + "\n";
    }
  }
  t += "\n# Cluster settings: last, so they win.\n";
  for (const auto& d : *cluster) {
    if (FileAccepts(out.rendered_for, d.name)) {
      t += FormatDirective(d) + "\n";
    } else {
      out.left_out.push_back(d);
    }
  }
  if (!out.left_out.empty()) {
    t += "# Applied at run time (CONFIG SET, ACL SETUSER) when the server accepts them:";
    for (const auto& d : out.left_out) t += " " + d.name;
    t += "\n";
  }
  return out;
}

Result<std::vector<Directive>> DeferredDirectives(const PodFacts& pod, const ConfOptions& options,
                                                  const ServerVersion& running) {
  auto cluster = ClusterDirectives(pod, options);
  if (!cluster.ok()) return cluster.status();
  ServerVersion file_version = ParseImageVersion(options.image);
  std::vector<Directive> out;
  for (const auto& d : *cluster) {
    if (!FileAccepts(file_version, d.name) && FileAccepts(running, d.name)) out.push_back(d);
  }
  return out;
}

}  // namespace rc::agent
