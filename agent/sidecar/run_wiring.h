// Everything `run` needs, built from the settings: discovery (Kubernetes API,
// DNS fallback, or a static file), the coordinator lease, the redis connector
// (with the password), the migration engine, Events and metrics. Kept apart
// from the CLI so the flags file stays a thin layer.
#pragma once

#include <memory>
#include <string>

#include "agent/config/agent_settings.h"
#include "agent/engine/migration_engine.h"
#include "agent/kube/kube_events.h"
#include "agent/kube/status_annotation.h"
#include "agent/reconcile/coordinator_lease.h"
#include "agent/reconcile/event_recorder.h"
#include "agent/reconcile/pod_source.h"
#include "agent/sidecar/agent_metrics.h"
#include "agent/sidecar/prestop_handshake.h"
#include "agent/sidecar/published_readiness.h"
#include "agent/sidecar/reconcile_loop.h"
#include "common/flag_parser.h"
#include "common/kube_client.h"
#include "common/redis_client.h"

namespace rc::agent {

// `run`'s own flags (beside the shared settings).
struct RunFlags {
  int http_port = 8479;                  // /healthz, /readyz, /metrics (webhook kAgentHttpPort)
  std::string http_address = "0.0.0.0";  // tests bind a loopback address
  std::string discovery = "auto";        // kube | static | auto (kube inside a pod)
  std::string static_pods;               // JSON file for --discovery=static
  std::string lease_file;                // file lease for static discovery
  int lease_duration_ms = 15000;         // coordinator lease
  int loop_interval_ms = 1000;           // between loops when nothing changes
  // How long slots may be lost (no master, no replica) before the log says
  // what to run (cover-slots); then again every 5 minutes.
  int lost_slots_grace_ms = 60000;
  int verbosity = 0;  // --v

  void Register(FlagParser& parser);
};

struct RunWiring {
  LoopOptions loop_options;
  PrestopOptions prestop_options;
  std::string http_address;
  int http_port = 8479;
  int verbosity = 0;
  std::string discovery_name;
  std::unique_ptr<KubeClient> kube;  // null with static discovery
  std::unique_ptr<KubeClient> prestop_kube;
  std::unique_ptr<CoordinatorChores> chores;  // PDB and Service checks; may be null
  std::unique_ptr<StatusAnnotation> status;   // the StatefulSet's summary; may be null
  std::unique_ptr<RedisConnector> connector;
  std::unique_ptr<RedisConnector> prestop_connector;
  std::unique_ptr<engine::MigrationEngine> engine;
  std::unique_ptr<PodSource> pods;
  std::unique_ptr<PodSource> prestop_pods;
  std::unique_ptr<CoordinatorLease> lease;
  std::unique_ptr<EventRecorder> events;
  AgentMetrics metrics;
  PublishedReadiness readiness;  // what /readyz answers
};

// Errors: kInvalidArgument for bad flag values (named), others when a needed
// resource cannot be set up.
Result<std::unique_ptr<RunWiring>> BuildRunWiring(const AgentSettings& settings,
                                                  const RunFlags& flags);

}  // namespace rc::agent
