#include "agent/reconcile/role_planner.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace rc::agent {
namespace {

int SlotCount(const Topology& ref, const std::string& id) {
  const ClusterNode* n = ref.FindById(id);
  return n ? n->slots.Count() : 0;
}

}  // namespace

RolePlan PlanRoles(const Observation& obs, const ObservedNode& reference,
                   const DesiredState& desired) {
  const Topology& ref = reference.view;
  RolePlan plan;
  int wanted_masters =
      std::max(desired.min_masters, obs.spec_replicas / (1 + desired.replicas_per_master));

  std::vector<const ObservedNode*> staying;
  for (const auto& n : obs.nodes)
    if (IsMember(n, ref) && !obs.Leaving(n.pod) && n.Myself()) staying.push_back(&n);
  // Roles are decided for everyone at once (so replicas spread over hosts):
  // wait while a staying pod is still joining.
  for (const auto& n : obs.nodes) {
    if (n.reachable && !obs.Leaving(n.pod) && !IsMember(n, ref) && n.Myself() &&
        n.Myself()->slots.Empty()) {
      plan.blocked = Describe(n.pod, n.id) + " is still joining the cluster";
      return plan;
    }
  }

  // Masters that own slots and do not leave keep them.
  std::set<std::string> leaving_ids;
  for (const auto& n : obs.nodes)
    if (n.reachable && obs.Leaving(n.pod)) leaving_ids.insert(n.id);
  for (const ClusterNode* m : ref.Masters())
    if (!m->slots.Empty() && !leaving_ids.count(m->id) && !m->flags.fail)
      plan.masters.insert(m->id);
  // More masters than the pods call for (e.g. a scale-down took replicas
  // away): the highest ordinals give their slots away (weight 0) and then
  // become replicas. Only when every such master answers, so a failure never
  // shrinks the set of masters.
  std::vector<const ObservedNode*> slotted;
  for (const auto& id : plan.masters) {
    const ObservedNode* n = obs.FindById(id);
    if (n == nullptr) {
      slotted.clear();
      break;
    }
    slotted.push_back(n);
  }
  std::sort(slotted.begin(), slotted.end(),
            [](const auto* a, const auto* b) { return a->pod.ordinal > b->pod.ordinal; });
  for (const auto* n : slotted) {
    if (static_cast<int>(plan.masters.size()) <= wanted_masters) break;
    plan.masters.erase(n->id);
  }

  // Replicas per master, from each replica's own view.
  std::map<std::string, int> replica_count;
  for (const auto* n : staying)
    if (n->Myself()->flags.replica) replica_count[n->Myself()->master_id]++;

  // Empty masters: those already followed by a replica first, then by ordinal.
  std::vector<const ObservedNode*> empties;
  for (const auto* n : staying)
    if (n->Myself()->IsMaster() && n->Myself()->slots.Empty() && SlotCount(ref, n->id) == 0)
      empties.push_back(n);
  std::stable_sort(empties.begin(), empties.end(), [&](const auto* a, const auto* b) {
    return replica_count[a->id] > replica_count[b->id];
  });
  std::vector<const ObservedNode*> to_assign;
  for (const auto* e : empties) {
    if (static_cast<int>(plan.masters.size()) < wanted_masters) {
      plan.masters.insert(e->id);
    } else {
      to_assign.push_back(e);
    }
  }
  // Replicas whose master leaves, failed without slots, or is unknown.
  for (const auto* n : staying) {
    const ClusterNode* me = n->Myself();
    if (!me->flags.replica || plan.masters.count(me->master_id)) continue;
    const ClusterNode* master = ref.FindById(me->master_id);
    if (master && !master->slots.Empty() && master->flags.fail) continue;  // failover's job
    replica_count[me->master_id]--;
    to_assign.push_back(n);
  }
  if (desired.replicas_per_master == 0) to_assign.clear();
  std::sort(to_assign.begin(), to_assign.end(),
            [](const auto* a, const auto* b) { return a->pod.ordinal < b->pod.ordinal; });

  auto master_pod = [&](const std::string& id) -> const ObservedNode* { return obs.FindById(id); };
  auto pick = [&](const ObservedNode& replica,
                  const std::string& exclude) -> std::pair<std::string, bool> {
    std::string best;
    std::tuple<int, int, int, int> best_key{};
    for (const auto& id : plan.masters) {
      const ObservedNode* mp = master_pod(id);
      if (mp == nullptr || id == exclude || id == replica.id) continue;
      std::tuple<int, int, int, int> key{
          replica_count[id],
          !replica.pod.node_name.empty() && mp->pod.node_name == replica.pod.node_name,
          !replica.pod.zone.empty() && mp->pod.zone == replica.pod.zone, mp->pod.ordinal};
      if (best.empty() || key < best_key) {
        best = id;
        best_key = key;
      }
    }
    if (best.empty()) return {"", false};
    return {best, replica.view.FindById(best) != nullptr};
  };
  for (const auto* n : to_assign) {
    auto [target, known] = pick(*n, "");
    if (target.empty()) {
      plan.blocked = "no master is available for " + Describe(n->pod, n->id);
      continue;
    }
    if (!known) {
      plan.blocked = Describe(n->pod, n->id) + " does not know master " + ShortId(target) + " yet";
      continue;
    }
    replica_count[target]++;
    ReplicaAssignment assignment{n->pod, target, master_pod(target)->pod};
    // Same host as its master: swap with an earlier assignment of this round
    // when that puts both on other hosts.
    auto same_host = [](const PodInfo& a, const PodInfo& b) {
      return !a.node_name.empty() && a.node_name == b.node_name;
    };
    if (same_host(assignment.replica, assignment.master)) {
      for (auto& earlier : plan.assignments) {
        const ObservedNode* other = nullptr;
        for (const auto& o : obs.nodes)
          if (o.reachable && o.pod.name == earlier.replica.name) other = &o;
        if (other && !same_host(earlier.replica, assignment.master) &&
            !same_host(assignment.replica, earlier.master) &&
            other->view.FindById(assignment.master_id) && n->view.FindById(earlier.master_id)) {
          std::swap(earlier.master, assignment.master);
          std::swap(earlier.master_id, assignment.master_id);
          break;
        }
      }
    }
    plan.assignments.push_back(assignment);
  }
  // Assign a round at once (so replicas can be spread over hosts), or not at all.
  if (!plan.blocked.empty()) plan.assignments.clear();
  if (!plan.assignments.empty() || !plan.blocked.empty() || desired.replicas_per_master == 0)
    return plan;

  // A replica that still replicates from its master's old address (redis
  // updates the cluster bus address from gossip but not the replication
  // target) is attached again: CLUSTER REPLICATE reconnects it.
  for (const auto* r : staying) {
    const ClusterNode* me = r->Myself();
    if (!me->flags.replica || r->replicating_from.empty() || r->replication_link_up) continue;
    const ObservedNode* m = master_pod(me->master_id);
    if (m == nullptr || r->replicating_from == m->pod.Address()) continue;
    const ClusterNode* known = r->view.FindById(m->id);
    if (known == nullptr || known->ip != m->pod.ip) continue;  // gossip first
    plan.assignments.push_back({r->pod, m->id, m->pod});
  }
  if (!plan.assignments.empty()) return plan;

  // Anti-affinity: a replica on its master's host swaps masters with another
  // replica when that puts both on other hosts.
  auto same_host_pods = [](const PodInfo& a, const PodInfo& b) {
    return !a.node_name.empty() && a.node_name == b.node_name;
  };
  for (const auto* r : staying) {
    const ClusterNode* me = r->Myself();
    const ObservedNode* m = me->flags.replica ? master_pod(me->master_id) : nullptr;
    if (m == nullptr || !plan.masters.count(me->master_id) || !same_host_pods(r->pod, m->pod))
      continue;
    for (const auto* r2 : staying) {
      const ClusterNode* other = r2->Myself();
      const ObservedNode* m2 = other->flags.replica ? master_pod(other->master_id) : nullptr;
      if (r2 == r || m2 == nullptr || m2 == m || !plan.masters.count(other->master_id)) continue;
      if (same_host_pods(r->pod, m2->pod) || same_host_pods(r2->pod, m->pod)) continue;
      if (!r->view.FindById(m2->id) || !r2->view.FindById(m->id)) continue;
      plan.assignments.push_back({r->pod, m2->id, m2->pod});
      plan.assignments.push_back({r2->pod, m->id, m->pod});
      return plan;
    }
  }

  // Even out: a master with too many replicas gives one to a master with too few.
  std::string most, fewest;
  for (const auto& id : plan.masters) {
    if (!master_pod(id)) continue;
    if (most.empty() || replica_count[id] > replica_count[most]) most = id;
    if (fewest.empty() || replica_count[id] < replica_count[fewest]) fewest = id;
  }
  if (most.empty() || fewest.empty() || most == fewest) return plan;
  int r = desired.replicas_per_master;
  int hi = replica_count[most], lo = replica_count[fewest];
  if (!(hi - lo >= 2 || (lo < r && hi > r))) return plan;
  const ObservedNode* mover = nullptr;
  const ObservedNode* most_pod = master_pod(most);
  for (const auto* n : staying) {
    if (!n->Myself()->flags.replica || n->Myself()->master_id != most) continue;
    bool same_host = !n->pod.node_name.empty() && n->pod.node_name == most_pod->pod.node_name;
    if (mover == nullptr || same_host || n->pod.ordinal > mover->pod.ordinal) mover = n;
    if (same_host) break;
  }
  if (mover == nullptr) return plan;
  if (!mover->view.FindById(fewest)) {
    plan.blocked =
        Describe(mover->pod, mover->id) + " does not know master " + ShortId(fewest) + " yet";
    return plan;
  }
  plan.assignments.push_back({mover->pod, fewest, master_pod(fewest)->pod});
  return plan;
}

}  // namespace rc::agent
