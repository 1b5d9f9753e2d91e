// The sidecar's loop: observe pods and redis -> plan one action -> act, once
// per interval. Every agent applies its own redis' run-time settings and
// serves health; only the coordinator (pod-0, or the lowest ready ordinal
// while pod-0 is gone: coordinator.h) changes the topology. Each decision is
// one log line, milestones and failures are Events, and both are counted in
// the metrics.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "agent/config/redis_conf.h"
#include "agent/engine/migration_engine.h"
#include "agent/kube/kube_events.h"
#include "agent/kube/status_annotation.h"
#include "agent/reconcile/coordinator_lease.h"
#include "agent/reconcile/event_recorder.h"
#include "agent/reconcile/lost_slots_advisor.h"
#include "agent/reconcile/password_refusals.h"
#include "agent/reconcile/pod_source.h"
#include "agent/reconcile/pod_waits.h"
#include "agent/reconcile/reconcile_planner.h"
#include "agent/sidecar/actuator.h"
#include "agent/sidecar/agent_metrics.h"
#include "agent/sidecar/cluster_observer.h"
#include "agent/sidecar/coordinator.h"
#include "agent/sidecar/published_readiness.h"
#include "common/tls_context.h"

namespace rc::agent {

struct LoopOptions {
  std::string pod_name;  // this pod ("redis-3")
  int ordinal = -1;      // from the name
  DesiredState desired;
  // Between loops when nothing changes (x5 for agents that do not coordinate).
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds lease_duration{15000};
  PodFacts facts;                           // for run-time settings (CONFIG SET)
  std::string service_account = "default";  // this pod's, named in RBAC hints
  ConfOptions conf;
  // With conf.tls_dir: the agent's own TLS context over the same files. When
  // they change (a renewed Secret), this pod's redis is told to reload them.
  std::shared_ptr<TlsContext> tls;
  // When slots lost with their master (no replica) are reported, and how often.
  LostSlotsAdvisor::Options lost_slots;
};

class ReconcileLoop {
 public:
  // Every reference must outlive the loop.
  ReconcileLoop(LoopOptions options, PodSource& pods, CoordinatorLease& lease,
                RedisConnector& connector, engine::MigrationEngine& engine, EventRecorder& events,
                AgentMetrics& metrics, PublishedReadiness& readiness);

  // Chores the coordinator runs every loop (they rate-limit themselves); may be null.
  void set_chores(CoordinatorChores* chores) { chores_ = chores; }
  // The coordinator's summary on the StatefulSet (status_annotation.h); may be null.
  void set_status(StatusAnnotation* status) { status_ = status; }

  // One pass; returns the action taken (NothingToDo / Wait when none).
  Action RunOnce();
  // Passes until `stop`; gives the lease up at the end.
  void Run(const std::atomic<bool>& stop);

 private:
  void ApplyRuntimeSettings(const PodSnapshot& pods);
  // CONFIG SET of the TLS files on this pod's redis after they changed.
  void ReloadServerTls(const ObservedNode& self);
  // Publishes whether this pod's redis serves its role (/readyz).
  void UpdateReadiness(const PodSnapshot& pods, const ObservedNode& self);
  // Looks at this pod's redis (listed in last_pods_; no API call) and
  // publishes redis_up and readiness; nullopt when this pod is not listed.
  // Every loop, and every interval between the full loops of an agent that
  // does not coordinate, so /readyz follows a role change within a second.
  std::optional<ObservedNode> LookAtSelf();
  // Tells the user (log + Event), after a grace period and then every few
  // minutes, about slots no master serves and no replica can take over, with
  // the cover-slots command that serves them again; never acts on it.
  void AdviseOnLostSlots(const Observation& obs);
  // Log line + Event naming the pods whose redis refuses the agent's password.
  void ReportPasswordRefusals(const Observation& obs);
  // Metrics and the status annotation from the reference view and the plan.
  void PublishClusterState(const Observation& obs, const Action& action);

  LoopOptions options_;
  PodSource& pods_;
  Coordinator coordinator_;  // election and lease
  RedisConnector& connector_;
  engine::MigrationEngine& engine_;
  EventRecorder& events_;
  AgentMetrics& metrics_;
  PublishedReadiness& readiness_;  // what /readyz answers
  ClusterObserver observer_;
  Actuator actuator_;
  CoordinatorChores* chores_ = nullptr;
  StatusAnnotation* status_ = nullptr;
  std::string last_action_;  // the last action done, for the status annotation
  long long last_action_ms_ = 0;
  LostSlotsAdvisor lost_slots_;
  PasswordRefusals password_refusals_;
  PodWaitReporter pod_waits_;     // pods Kubernetes does not run, and why
  PodsByNodeId pods_by_node_id_;  // which pod ran which node id, for lost slots

  PodSnapshot last_pods_;  // the last successful look, for LookAtSelf
  std::string applied_run_id_;
  uint64_t applied_tls_generation_ = 1;
  // With TLS: a connection to this pod's redis kept open, because once the
  // agent trusts renewed files, a new connection fails until redis has
  // reloaded them too; an open TLS session outlives the change.
  std::unique_ptr<RedisClient> self_link_;
  std::string last_reason_;
  std::string last_error_;  // the last pod listing error logged, said once
};

}  // namespace rc::agent
