// What the operator chooses for every injection (from the webhook's flags).
#pragma once

#include <string>

namespace rc::webhook {

enum class SidecarMode {
  kNative,   // an initContainers entry with restartPolicy: Always (Kubernetes >= 1.29)
  kClassic,  // a regular container, for older clusters
};

struct InjectionOptions {
  std::string agent_image = "redis-cluster-agent:0.1.0";  // image of the init container and sidecar
  SidecarMode sidecar_mode = SidecarMode::kNative;        // where the agent sidecar goes
};

// Names and paths shared by the webhook and the agent (stable interfaces).
inline constexpr char kManagedLabel[] = "redis-cluster";
inline constexpr char kManagedValue[] = "managed";
inline constexpr char kAnnotationPrefix[] = "redis-cluster.io/";
inline constexpr char kInitContainerName[] = "redis-cluster-init";
inline constexpr char kAgentContainerName[] = "redis-cluster-agent";
inline constexpr char kAgentBinary[] = "redis-cluster-agent";
inline constexpr char kConfigVolumeName[] = "redis-cluster-config";
inline constexpr char kConfigDir[] = "/etc/redis-cluster";
inline constexpr char kTlsVolumeName[] = "redis-cluster-tls";  // the tls-secret Secret
inline constexpr char kTlsDir[] = "/etc/redis-cluster-tls";
inline constexpr char kConfigFile[] = "/etc/redis-cluster/redis.conf";
inline constexpr int kClientPort = 6379;
inline constexpr int kClusterBusPort = 16379;
// The agent's /healthz, /readyz and /metrics. Not 9121: that is redis_exporter's
// (Prometheus' default port allocations), the exporter most likely to sit in a
// redis pod. The whole 9100-9999 exporter range is allocated, so the port is
// outside it and outside the ports service meshes inject (Istio 150xx, Linkerd 41xx).
inline constexpr int kAgentHttpPort = 8479;
// What earlier versions used; their readiness probe on it is upgraded at UPDATE.
inline constexpr int kFormerAgentHttpPort = 9121;
inline constexpr int kDefaultGracePeriodSeconds = 300;
inline constexpr char kDefaultDataDir[] = "/data";

}  // namespace rc::webhook
