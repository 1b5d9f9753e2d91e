#include "agent/sidecar/prestop_handshake.h"

#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/reconcile/reconcile_planner.h"
#include "common/log.h"

namespace rc::agent {

bool PrestopHandshake::Requested() const {
  std::error_code ec;
  return std::filesystem::exists(options_.config_dir + "/prestop", ec);
}

bool PrestopHandshake::Answered() const {
  std::error_code ec;
  return std::filesystem::exists(options_.config_dir + "/prestop-done", ec);
}

void PrestopHandshake::Answer() {
  std::string path = options_.config_dir + "/prestop-done";
  std::ofstream(path + ".tmp") << "done\n";
  std::error_code ec;
  std::filesystem::rename(path + ".tmp", path, ec);
  if (ec) RC_LOG_ERROR << "cannot write " << path << ": " << ec.message();
}

const ClusterNode* PrestopHandshake::ReplicaInSync(const ObservedNode& self,
                                                   const std::string& master_id) {
  for (const ClusterNode* r : self.view.ReplicasOf(master_id)) {
    if (r->IsFailed() || !r->link_connected) continue;
    PodInfo as_pod;
    as_pod.name = r->Address();
    as_pod.ip = r->ip;
    as_pod.port = r->port;
    ObservedNode replica = observer_.ObserveOne(as_pod);
    if (replica.reachable && replica.replication_link_up) return r;
  }
  return nullptr;
}

bool PrestopHandshake::HandOver(const ObservedNode& self, std::string* note) {
  const ClusterNode* me = self.Myself();
  if (me == nullptr || !me->IsMaster() || me->slots.Empty()) return true;
  auto now = std::chrono::steady_clock::now();
  bool out_of_time = now - handle_started_ > options_.handover_wait;
  if (failover_sent_) {
    if (now - failover_started_ <= options_.failover_wait) {
      *note = "waiting for the replica to take over";
      return false;
    }
    if (out_of_time) {
      RC_LOG_WARNING << "pod " << self.pod.name << ": no replica took over within "
                     << options_.handover_wait.count() / 1000
                     << " s; redis stops as a master: its slots are unavailable until it is back";
      return true;
    }
    RC_LOG_WARNING << "pod " << self.pod.name << ": the replica did not take over within "
                   << options_.failover_wait.count() << " ms; trying again";
    failover_sent_ = false;
  }
  if (options_.replicas_per_master == 0) {
    RC_LOG_INFO << "pod " << self.pod.name << " restarts as a master of " << me->slots.Count()
                << " slots (replicas-per-master 0: no replica to hand over to)";
    return true;
  }
  const ClusterNode* chosen = ReplicaInSync(self, me->id);
  if (chosen == nullptr) {
    if (out_of_time) {
      RC_LOG_WARNING << "pod " << self.pod.name << " restarts as a master of " << me->slots.Count()
                     << " slots: no replica came in sync within "
                     << options_.handover_wait.count() / 1000
                     << " s; its slots are unavailable until it is back";
      return true;
    }
    *note = "restarts as a master of " + std::to_string(me->slots.Count()) +
            " slots with no replica in sync: waiting for the coordinator to attach one and for "
            "its first sync, so the shard's keys are not lost";
    return false;
  }
  auto client = connector_.Connect(chosen->ip, chosen->port);
  if (!client.ok()) {
    *note = "cannot reach replica " + chosen->Address() + ": " + client.status().message();
    return false;
  }
  auto reply = CommandChecked(**client, {"CLUSTER", "FAILOVER"});
  if (!reply.ok()) {
    *note = reply.status().message();
    return false;
  }
  failover_sent_ = true;
  failover_started_ = std::chrono::steady_clock::now();
  RC_LOG_INFO << "pod " << self.pod.name << " restarts: handing its " << me->slots.Count()
              << " slots over to replica " << chosen->Address()
              << " (CLUSTER FAILOVER) before redis stops";
  *note = "waiting for the replica to take over";
  return false;
}

bool PrestopHandshake::ReadyToStop(std::string* note) {
  auto snapshot = pods_.Observe();
  if (!snapshot.ok() && snapshot.status().code() == ErrorCode::kNotFound) {
    RC_LOG_INFO << "pod " << options_.pod_name << ": the StatefulSet is gone ("
                << snapshot.status().message()
                << "): the whole cluster is being removed, nothing to hand over to; redis may stop";
    return true;
  }
  if (!snapshot.ok()) {
    *note = "cannot read the StatefulSet: " + snapshot.status().message();
    return false;
  }
  if (snapshot->api_access_lost) {
    // Nothing can be coordinated any more: the coordinator has lost its rights
    // too, so waiting would only hold redis until the grace period ends.
    RC_LOG_WARNING << "pod " << options_.pod_name
                   << ": the Kubernetes API refuses this agent now (its ServiceAccount or "
                      "RoleBinding is gone, as when the namespace is deleted): it cannot tell a "
                      "scale-down from a restart and no coordinator can drain; redis may stop";
    return true;
  }
  if (snapshot->statefulset_deleting) {
    RC_LOG_INFO << "pod " << options_.pod_name
                << ": the StatefulSet is being deleted: the whole cluster is being removed, "
                   "nothing to hand over to; redis may stop";
    return true;
  }
  const PodInfo* pod = snapshot->FindName(options_.pod_name);
  if (pod == nullptr) {
    *note = "pod " + options_.pod_name + " is not listed";
    return false;
  }
  ObservedNode self = observer_.ObserveOne(*pod);
  if (!self.reachable) return true;  // redis is gone already: nothing to hand over
  bool leaving = pod->ordinal >= snapshot->spec_replicas;
  if (!leaving) return HandOver(self, note);
  const ClusterNode* me = self.Myself();
  if (self.view.nodes().size() <= 1 && me != nullptr && me->slots.Empty()) {
    RC_LOG_INFO << "pod " << pod->name << " leaves for good (spec.replicas "
                << snapshot->spec_replicas << "): drained and forgotten, redis may stop";
    return true;
  }
  *note = "leaving for good (spec.replicas " + std::to_string(snapshot->spec_replicas) +
          "): waiting for the coordinator to drain " +
          (me && !me->slots.Empty() ? "its slots" : std::string("nothing more")) +
          " and forget this node";
  return false;
}

void PrestopHandshake::Handle(const std::atomic<bool>& stop) {
  RC_LOG_INFO << "pod " << options_.pod_name << ": redis is being stopped (preStop)";
  handle_started_ = std::chrono::steady_clock::now();
  failover_sent_ = false;
  std::string last_note;
  while (!stop) {
    std::string note;
    if (ReadyToStop(&note)) {
      Answer();
      RC_LOG_INFO << "pod " << options_.pod_name << ": told the preStop hook redis may stop";
      return;
    }
    if (note != last_note) RC_LOG_INFO << "pod " << options_.pod_name << ": " << note;
    last_note = note;
    std::this_thread::sleep_for(options_.poll);
  }
}

}  // namespace rc::agent
