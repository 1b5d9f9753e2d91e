#include "agent/sidecar/reconcile_loop.h"

#include <cstdio>
#include <thread>
#include <variant>

#include "agent/config/agent_user.h"
#include "agent/kube/kube_objects.h"
#include "agent/reconcile/readiness.h"
#include "common/log.h"

namespace rc::agent {
namespace {

// Logs migration progress as one line a person reads, and feeds the metrics.
class ProgressLog : public engine::ProgressListener {
 public:
  ProgressLog(std::string what, AgentMetrics& metrics)
      : what_(std::move(what)), metrics_(metrics) {}
  void OnProgress(const engine::MigrationProgress& p) override {
    double fraction = p.slots_total > 0 ? static_cast<double>(p.slots_done) / p.slots_total : 1.0;
    metrics_.SetMigrationProgress(fraction);
    metrics_.Heartbeat();
    RC_LOG_INFO << what_ << ": " << engine::FormatProgress(p);
  }

 private:
  std::string what_;
  AgentMetrics& metrics_;
};

// The Event reasons of an action that succeeded and of one that failed ("" none).
struct EventReasons {
  const char* ok;
  const char* failed;
};
EventReasons ReasonsFor(const NothingToDo&) { return {"", ""}; }
EventReasons ReasonsFor(const Wait&) { return {"", ""}; }
EventReasons ReasonsFor(const Bootstrap&) { return {"ClusterCreated", "ClusterCreateFailed"}; }
EventReasons ReasonsFor(const DrainLeaving&) { return {"NodesDrained", "DrainFailed"}; }
EventReasons ReasonsFor(const RemoveLeaving&) { return {"NodesRemoved", "RemoveFailed"}; }
EventReasons ReasonsFor(const Rebalance&) { return {"Rebalanced", "RebalanceFailed"}; }
EventReasons ReasonsFor(const Meet&) { return {"NodesJoined", "JoinFailed"}; }
EventReasons ReasonsFor(const Forget&) { return {"StaleNodesForgotten", "ForgetFailed"}; }
EventReasons ReasonsFor(const PromoteReplica&) { return {"ReplicaPromoted", "PromoteFailed"}; }
EventReasons ReasonsFor(const FixOpenSlots&) { return {"OpenSlotsFixed", "OpenSlotsFixFailed"}; }
EventReasons ReasonsFor(const AssignReplicas&) {
  return {"ReplicasAssigned", "ReplicaAssignFailed"};
}

const char* EventReason(const Action& action, bool ok) {
  EventReasons reasons = std::visit([](const auto& kind) { return ReasonsFor(kind); }, action.kind);
  return ok ? reasons.ok : reasons.failed;
}

CoordinatorOptions CoordinatorOptionsOf(const LoopOptions& loop) {
  CoordinatorOptions options;
  options.pod_name = loop.pod_name;
  options.ordinal = loop.ordinal;
  options.lease_duration = loop.lease_duration;
  options.namespace_name = loop.facts.namespace_name;
  options.service_account = loop.service_account;
  return options;
}

}  // namespace

ReconcileLoop::ReconcileLoop(LoopOptions options, PodSource& pods, CoordinatorLease& lease,
                             RedisConnector& connector, engine::MigrationEngine& engine,
                             EventRecorder& events, AgentMetrics& metrics,
                             PublishedReadiness& readiness)
    : options_(std::move(options)),
      pods_(pods),
      coordinator_(CoordinatorOptionsOf(options_), lease),
      connector_(connector),
      engine_(engine),
      events_(events),
      metrics_(metrics),
      readiness_(readiness),
      observer_(connector),
      actuator_(connector, engine),
      lost_slots_(options_.lost_slots) {}

void ReconcileLoop::ApplyRuntimeSettings(const PodSnapshot& pods) {
  last_pods_ = pods;
  std::optional<ObservedNode> looked = LookAtSelf();
  if (!looked) return;
  const ObservedNode& node = *looked;
  ReloadServerTls(node);
  if (!node.reachable || node.run_id.empty() || node.run_id == applied_run_id_) return;
  auto deferred = DeferredDirectives(options_.facts, options_.conf, node.version);
  if (!deferred.ok()) {
    RC_LOG_WARNING << "cannot compute run-time settings: " << deferred.status().message();
    applied_run_id_ = node.run_id;
    return;
  }
  if (!deferred->empty()) {
    auto client = connector_.Connect(node.pod.ip, node.pod.port);
    if (!client.ok()) return;
    std::string names;
    for (const auto& d : *deferred) {
      auto reply = CommandChecked(**client, RuntimeCommand(d));
      if (!reply.ok()) {
        RC_LOG_WARNING << (d.name == "user" ? "ACL SETUSER " : "CONFIG SET ") << d.name << " on "
                       << node.version.ToString() << " failed: " << reply.status().message();
        continue;
      }
      names += (names.empty() ? "" : ", ") + d.name;
    }
    if (!names.empty())
      RC_LOG_INFO << "applied to this pod's " << node.version.ToString()
                  << " the settings its image tag did not promise: " << names;
  }
  applied_run_id_ = node.run_id;
}

void ReconcileLoop::ReloadServerTls(const ObservedNode& self) {
  if (!options_.tls) return;
  if (!self_link_ && self.reachable) {
    auto link = connector_.Connect(self.pod.ip, self.pod.port);
    if (link.ok()) self_link_ = std::move(*link);
  }
  options_.tls->Current();  // notices changed files (at most once a second)
  const uint64_t generation = options_.tls->generation();
  if (generation == applied_tls_generation_) return;
  const std::string& dir = options_.conf.tls_dir;
  if (!self_link_) {
    auto link = connector_.Connect(self.pod.ip, self.pod.port);
    if (!link.ok()) {
      RC_LOG_WARNING << "the TLS files in " << dir
                     << " changed but this pod's redis cannot be reached to reload them: "
                     << link.status().message() << "; trying again next loop";
      return;
    }
    self_link_ = std::move(*link);
  }
  // Setting a file to its own path makes redis read all its TLS files again
  // (6.0+). CONFIG SET takes several parameters at once only from 7.0 on; on
  // 6.x the one parameter reloads the key and CA file too.
  RedisCommand reload = {"CONFIG", "SET", "tls-cert-file", TlsCertFile(dir)};
  if (self.version.AtLeast(7, 0))
    reload.insert(reload.end(),
                  {"tls-key-file", TlsKeyFile(dir), "tls-ca-cert-file", TlsCaFile(dir)});
  auto reply = CommandChecked(*self_link_, reload);
  if (!reply.ok()) {
    RC_LOG_WARNING << "the TLS files in " << dir
                   << " changed but redis did not reload them: " << reply.status().message()
                   << "; it keeps the previous certificate for now";
    self_link_.reset();  // opened again next loop
    return;
  }
  RC_LOG_INFO << "the TLS files in " << dir
              << " changed: redis reloaded them; new connections use the new certificate";
  applied_tls_generation_ = generation;
}

void ReconcileLoop::UpdateReadiness(const PodSnapshot& pods, const ObservedNode& self) {
  bool cluster_exists = false;
  if (self.reachable && !self.HasClusterState()) {
    // Only a node without cluster state asks its peers (rare: before the
    // cluster exists, or right after this pod came back empty).
    for (const PodInfo& peer : pods.pods) {
      if (peer.name == options_.pod_name || peer.ip.empty()) continue;
      ObservedNode other = observer_.ObserveOne(peer);
      if (other.reachable && other.HasClusterState()) {
        cluster_exists = true;
        break;
      }
    }
  }
  Readiness readiness = JudgeReadiness(self, cluster_exists);
  Readiness previous = readiness_.Get();
  if (readiness.ready != previous.ready ||
      (!readiness.ready && readiness.reason != previous.reason))
    RC_LOG_INFO << options_.pod_name << (readiness.ready ? " is ready: " : " is not ready: ")
                << readiness.reason;
  readiness_.Set(readiness);
}

std::optional<ObservedNode> ReconcileLoop::LookAtSelf() {
  const PodInfo* self = last_pods_.FindName(options_.pod_name);
  if (self == nullptr) return std::nullopt;
  ObservedNode node = observer_.ObserveOne(*self);
  metrics_.SetRedisUp(node.reachable);
  UpdateReadiness(last_pods_, node);
  return node;
}

void ReconcileLoop::AdviseOnLostSlots(const Observation& obs) {
  RememberPods(obs, &pods_by_node_id_);
  const ObservedNode* ref = ReferenceNode(obs);
  LostSlots lost;
  if (ref != nullptr) lost = FindLostSlots(obs, *ref, pods_by_node_id_);
  metrics_.SetLostSlots(lost.slots.Count());
  CoverCommandTarget target;
  target.pod_name = options_.pod_name;
  target.namespace_name = options_.facts.namespace_name;
  target.seed = ref != nullptr ? ref->pod.Address() : "";
  LostSlotsAdvice advice = lost_slots_.Observe(std::chrono::steady_clock::now(), lost, target);
  if (advice.kind == LostSlotsAdvice::Kind::kWarn) {
    RC_LOG_WARNING << advice.text;
    events_.Record(true, "SlotsLost", log::Redact(advice.event));
  } else if (advice.kind == LostSlotsAdvice::Kind::kResolved) {
    RC_LOG_INFO << advice.text;
  }
}

void ReconcileLoop::ReportPasswordRefusals(const Observation& obs) {
  PasswordNotice notice = password_refusals_.Observe(std::chrono::steady_clock::now(), obs.nodes);
  if (notice.kind == PasswordNotice::Kind::kWarn) {
    RC_LOG_WARNING << notice.text;
    events_.Record(true, "PasswordRefused", log::Redact(notice.text));
  } else if (notice.kind == PasswordNotice::Kind::kResolved) {
    RC_LOG_INFO << notice.text;
  }
}

void ReconcileLoop::PublishClusterState(const Observation& obs, const Action& action) {
  const ObservedNode* ref = ReferenceNode(obs);
  if (ref == nullptr) return;
  ClusterSummary summary = SummarizeView(ref->view);
  summary.balanced = Is<NothingToDo>(action);
  int masters = 0;
  for (const ClusterNode* m : ref->view.Masters()) masters += m->slots.Empty() ? 0 : 1;
  metrics_.SetCluster(masters, static_cast<int>(ref->view.nodes().size()), summary.balanced);
  if (status_ == nullptr) return;
  summary.last = last_action_;
  summary.last_ms = last_action_ms_;
  status_->Publish(BuildStatusLine(summary, status_->Current()), std::chrono::steady_clock::now());
}

Action ReconcileLoop::RunOnce() {
  auto snapshot = pods_.Observe();
  if (!snapshot.ok()) {
    if (snapshot.status().message() != last_error_)
      RC_LOG_WARNING << "cannot list the pods: " << snapshot.status().message();
    last_error_ = snapshot.status().message();
    metrics_.LoopDone(false);
    return Action{Wait{}, snapshot.status().message()};
  }
  ApplyRuntimeSettings(*snapshot);
  bool coordinating = coordinator_.Update(*snapshot, std::chrono::steady_clock::now());
  metrics_.SetCoordinator(coordinating);
  if (!coordinating) {
    metrics_.LoopDone(true);
    return Action{NothingToDo{}, "not the coordinator"};
  }

  if (chores_ != nullptr) chores_->Run();
  Observation obs = observer_.Observe(*snapshot);
  AdviseOnLostSlots(obs);
  ReportPasswordRefusals(obs);
  for (const std::string& line :
       pod_waits_.Observe(std::chrono::steady_clock::now(), FindPodWaits(*snapshot))) {
    RC_LOG_WARNING << line;
    events_.Record(true, "PodsNotRunning", log::Redact(line));
  }
  Action action = PlanNextAction(obs, options_.desired);
  PublishClusterState(obs, action);
  if (IsIdle(action)) {
    if (action.reason != last_reason_) {
      if (Is<Wait>(action)) {
        RC_LOG_INFO << "waiting: " << action.reason;
      } else {
        RC_LOG_INFO << action.reason;
      }
    }
    last_reason_ = action.reason;
    metrics_.LoopDone(true);
    return action;
  }
  last_reason_.clear();
  RC_LOG_INFO << action.reason;
  ProgressLog progress(ActionName(action), metrics_);
  const bool moves_slots = Is<DrainLeaving>(action) || Is<Rebalance>(action);
  if (moves_slots) metrics_.SetMigrationRunning(true);
  auto outcome = actuator_.Execute(action, &progress);
  if (moves_slots) metrics_.SetMigrationRunning(false);
  metrics_.ActionDone(ActionName(action), outcome.ok());
  const char* reason = EventReason(action, outcome.ok());
  if (outcome.ok() && outcome->nothing_to_do) {
    // The planner looked at a view gossip had not settled yet; the engine's
    // fresh look found nothing to move: not an event the user needs to read.
    RC_VLOG(1) << ActionName(action) << ": nothing to move on a fresh look";
  } else if (outcome.ok()) {
    metrics_.Moved(outcome->slots_moved, outcome->keys_moved);
    RC_LOG_INFO << ActionName(action) << " done: " << outcome->summary;
    last_action_ = std::string(ActionName(action)) + ": " + outcome->summary;
    last_action_ms_ = UnixNowMs();
    if (*reason && !Is<AssignReplicas>(action))
      events_.Record(false, reason, log::Redact(action.reason + ": " + outcome->summary));
  } else {
    RC_LOG_ERROR << ActionName(action) << " failed: " << outcome.status().message()
                 << "; the next loop looks again";
    if (*reason) events_.Record(true, reason, log::Redact(outcome.status().message()));
  }
  metrics_.LoopDone(outcome.ok());
  return action;
}

void ReconcileLoop::Run(const std::atomic<bool>& stop) {
  while (!stop) {
    Action action = RunOnce();
    bool busy = !IsIdle(action);
    // Agents that do not coordinate look less often (each look lists the pods
    // through the API); the preStop watcher has its own faster poll.
    auto pause = busy ? std::chrono::milliseconds(200)
                      : (coordinator_.holding() ? options_.interval : options_.interval * 5);
    auto now = std::chrono::steady_clock::now();
    auto until = now + pause;
    auto next_look = now + options_.interval;
    while (!stop && (now = std::chrono::steady_clock::now()) < until) {
      if (now >= next_look) {
        (void)LookAtSelf();  // /readyz follows a role change within an interval
        next_look = now + options_.interval;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  coordinator_.Resign();
}

}  // namespace rc::agent
