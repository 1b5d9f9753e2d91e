#include "agent/reconcile/reconcile_planner.h"

#include <algorithm>
#include <map>
#include <set>

#include "agent/engine/cluster_view.h"

namespace rc::agent {
namespace {

Action Waiting(std::string reason) { return Action{Wait{}, std::move(reason)}; }

// Slots of `id` per the reference view, falling back to the node's own line.
int SlotCount(const Topology& ref, const std::string& id) {
  const ClusterNode* n = ref.FindById(id);
  return n ? n->slots.Count() : 0;
}

// "; redis-3, redis-4 do not": the staying pods whose redis does not answer
// (the loop's pod_waits.h says why, in Kubernetes' words).
std::string NotAnswering(const Observation& obs) {
  std::string prefix;
  for (const auto& n : obs.nodes)
    if (prefix.empty() && n.pod.ordinal >= 0) prefix = n.pod.name.substr(0, n.pod.name.rfind('-'));
  if (prefix.empty()) return "";
  std::vector<std::string> silent;
  for (int i = 0; i < obs.spec_replicas; ++i) {
    bool answers = false;
    for (const auto& n : obs.nodes) answers = answers || (n.pod.ordinal == i && n.reachable);
    if (!answers) silent.push_back(prefix + "-" + std::to_string(i));
  }
  std::string out;
  for (const auto& s : silent) out += (out.empty() ? "; " : ", ") + s;
  return out.empty() ? "" : out + (silent.size() == 1 ? " does not" : " do not");
}

Action PlanBootstrap(const Observation& obs, const DesiredState& desired) {
  std::vector<const ObservedNode*> answering;
  for (const auto& n : obs.nodes)
    if (n.reachable && !obs.Leaving(n.pod)) answering.push_back(&n);
  if (static_cast<int>(answering.size()) < obs.spec_replicas || obs.spec_replicas == 0)
    return Waiting("no node holds cluster state yet; waiting for all " +
                   std::to_string(obs.spec_replicas) +
                   " pods to answer before creating the cluster (" +
                   std::to_string(answering.size()) + " answer" + NotAnswering(obs) + ")");
  int masters = obs.spec_replicas / (1 + desired.replicas_per_master);
  if (masters < desired.min_masters)
    return Waiting("cannot create the cluster: " + std::to_string(obs.spec_replicas) +
                   " pods with " + std::to_string(desired.replicas_per_master) +
                   " replicas per master give " + std::to_string(masters) + " masters; at least " +
                   std::to_string(desired.min_masters) + " are needed");
  Bootstrap bootstrap;
  auto ranges = SplitEvenly(masters);
  for (int i = 0; i < masters; ++i)
    bootstrap.masters.push_back(
        {answering[static_cast<size_t>(i)]->pod, ranges[static_cast<size_t>(i)], i + 1});
  bootstrap.seed = answering[0]->pod.Address();
  for (size_t i = 1; i < answering.size(); ++i) bootstrap.meet.push_back(answering[i]->pod);
  return Action{std::move(bootstrap),
                "all " + std::to_string(obs.spec_replicas) +
                    " pods answer and none holds cluster state: creating a cluster of " +
                    std::to_string(masters) + " masters with " +
                    std::to_string(desired.replicas_per_master) + " replica(s) each"};
}

// Why the cluster cannot take a topology change now ("" when it can).
// Every member's view is checked, not only the reference: right after a
// failure the views differ, and slots must never move while any of them
// sees a master with slots down, or slots nobody owns.
std::string Unhealthy(const Observation& obs, const Topology& ref) {
  std::vector<const Topology*> views = {&ref};
  for (const auto& n : obs.nodes)
    if (IsMember(n, ref)) views.push_back(&n.view);
  for (const Topology* view : views) {
    for (const ClusterNode* m : view->Masters()) {
      if (m->slots.Empty()) continue;
      if (m->flags.fail || m->flags.noaddr)
        return "master " + ShortId(m->id) + " (" + m->Address() + ") owns " +
               std::to_string(m->slots.Count()) +
               " slots and has failed; waiting for a replica to "
               "take over or the pod to come back";
      if (!obs.FindById(m->id))
        return "master " + ShortId(m->id) + " (" + m->Address() + ") owns " +
               std::to_string(m->slots.Count()) + " slots and does not answer";
    }
    int covered = view->CoveredSlots().Count();
    if (covered < kSlotCount)
      return std::to_string(kSlotCount - covered) + " slots have no owner in some node's view";
  }
  return "";
}

bool AllStayingPodsAnswer(const Observation& obs) {
  for (int i = 0; i < obs.spec_replicas; ++i) {
    bool found = false;
    for (const auto& n : obs.nodes) found = found || (n.pod.ordinal == i && n.reachable);
    if (!found) return false;
  }
  return true;
}

// Weight 0 for every master (in the engine's view) not meant to hold slots;
// the others take the default weight.
std::map<std::string, double> Weights(const Topology& view, const RolePlan& roles) {
  std::map<std::string, double> w;
  for (const ClusterNode* m : view.Masters())
    if (!m->flags.handshake && !roles.masters.count(m->id)) w[m->id] = 0.0;
  return w;
}

std::string Name(const Observation& obs, const std::string& id) {
  const ObservedNode* n = obs.FindById(id);
  return n ? n->pod.name : ShortId(id);
}

// Why the plan's masters cannot start yet ("" when they can): each master
// that gives or receives slots must list every other master of the plan,
// or its SETSLOT MIGRATING / IMPORTING fails with "I don't know about node".
std::string Unaware(const Observation& obs, const engine::MigrationPlan& plan) {
  std::set<std::string> ids;
  for (const auto& m : plan.moves) {
    ids.insert(m.from_id);
    ids.insert(m.to_id);
  }
  for (const auto& id : ids) {
    const ObservedNode* n = obs.FindById(id);
    if (n == nullptr) continue;  // unreachable: Unhealthy() speaks for it
    for (const auto& other : ids)
      if (other != id && n->view.FindById(other) == nullptr) {
        const ObservedNode* o = obs.FindById(other);
        return Describe(n->pod, n->id) + " does not know " +
               (o ? Describe(o->pod, o->id) : "master " + ShortId(other)) + " yet";
      }
  }
  return "";
}

// "over 4 masters: rebalancing; redis-6 holds 0 of ~4096 slots; moving slots
// from redis-0, redis-1, redis-2", from the plan itself: the masters that
// keep or receive slots, who is short of its share and who gives.
std::string Imbalance(const Observation& obs, const Topology& view,
                      const engine::MigrationPlan& plan) {
  int masters = 0;
  std::string low, high;
  for (const auto& [id, after] : plan.slots_after) {
    masters += after > 0 ? 1 : 0;
    const ClusterNode* n = view.FindById(id);
    int now = n ? n->slots.Count() : 0;
    if (now < after)
      low += (low.empty() ? "" : ", ") + Name(obs, id) + " holds " + std::to_string(now) + " of ~" +
             std::to_string(after);
    if (now > after) high += (high.empty() ? "" : ", ") + Name(obs, id);
  }
  std::string out = "over " + std::to_string(masters) + " masters: rebalancing";
  if (!low.empty()) out += "; " + low + " slots";
  if (!high.empty()) out += "; moving slots from " + high;
  return out;
}

}  // namespace

engine::ClusterView EngineView(const Observation& obs, const ObservedNode& reference) {
  std::vector<engine::NodeView> nodes;
  auto add = [&nodes](const ObservedNode& n) {
    engine::NodeView v;
    v.address = n.pod.Address();
    v.id = n.id;
    v.reachable = n.reachable && !n.id.empty();
    v.topology = n.view;
    v.cluster_state_ok = n.cluster_state_ok;
    nodes.push_back(std::move(v));
  };
  add(reference);
  for (const auto& n : obs.nodes)
    if (&n != &reference && IsMember(n, reference.view)) add(n);
  return engine::BuildClusterView(reference.pod.Address(), std::move(nodes));
}

engine::PlanOptions MigrationOptions(const std::map<std::string, double>& weights) {
  engine::PlanOptions options;
  options.use_empty_masters = true;
  options.weights = weights;
  return options;
}

const ObservedNode* ReferenceNode(const Observation& obs) {
  const ObservedNode* best = nullptr;
  size_t best_known = 0;
  for (int pass = 0; pass < 2 && best == nullptr; ++pass) {
    for (const auto& n : obs.nodes) {
      if (!n.HasClusterState() || n.id.empty()) continue;
      if (pass == 0 && obs.Leaving(n.pod)) continue;
      size_t known = 0;
      for (const auto& c : n.view.nodes()) known += c.flags.handshake ? 0 : 1;
      if (best == nullptr || known > best_known) {
        best = &n;
        best_known = known;
      }
    }
  }
  return best;
}

Action PlanNextAction(const Observation& obs, const DesiredState& desired) {
  bool any = std::any_of(obs.nodes.begin(), obs.nodes.end(),
                         [](const ObservedNode& n) { return n.reachable; });
  if (!any) return Waiting("no pod's redis answers yet");
  const ObservedNode* reference = ReferenceNode(obs);
  if (reference == nullptr) return PlanBootstrap(obs, desired);
  const Topology& ref = reference->view;
  std::string seed = reference->pod.Address();

  // 3. Open slots first: every other step is refused while one is open.
  bool open = ref.HasOpenSlots();
  for (const auto& n : obs.nodes) {
    const ClusterNode* me = n.reachable ? n.Myself() : nullptr;
    if (me && IsMember(n, ref) && (!me->migrating.empty() || !me->importing.empty())) open = true;
  }
  if (open)
    return Action{FixOpenSlots{seed},
                  "slots are left MIGRATING/IMPORTING (an interrupted move): closing them first"};

  // 3b. A master with slots whose address now answers as another node (its pod
  // came back empty) is never detected as failed by redis (the node becomes
  // "noaddr" and is no longer pinged): promote its replica.
  for (const ClusterNode* m : ref.Masters()) {
    if (m->slots.Empty() || obs.FindById(m->id)) continue;
    bool replaced = m->flags.noaddr || m->ip.empty();
    for (const auto& n : obs.nodes)
      replaced =
          replaced || (n.reachable && n.id != m->id && n.pod.ip == m->ip && n.pod.port == m->port);
    if (!replaced) continue;
    for (const ClusterNode* r : ref.ReplicasOf(m->id)) {
      const ObservedNode* replica = obs.FindById(r->id);
      if (replica == nullptr || !replica->Myself() || replica->Myself()->master_id != m->id)
        continue;
      return Action{PromoteReplica{replica->pod, m->id},
                    "master " + ShortId(m->id) + " owns " + std::to_string(m->slots.Count()) +
                        " slots but its pod came back as a new node: promoting its replica " +
                        Describe(replica->pod, replica->id) + " (CLUSTER FAILOVER FORCE)"};
    }
  }

  // 4. MEET pods the cluster does not know, or knows on another address.
  Meet meet{seed, {}};
  std::vector<std::string> why;
  for (const auto& n : obs.nodes) {
    if (!n.reachable || n.id.empty() || obs.Leaving(n.pod) || n.id == reference->id) continue;
    const ClusterNode* known = ref.FindById(n.id);
    if (known) {
      if (known->ip != n.pod.ip || known->port != n.pod.port) {
        meet.pods.push_back(n.pod);
        why.push_back(Describe(n.pod, n.id) + " is back on a new address (was " + known->Address() +
                      ")");
      }
      continue;
    }
    bool handshaking = false;
    for (const auto& c : ref.nodes())
      handshaking = handshaking || (c.flags.handshake && c.ip == n.pod.ip && c.port == n.pod.port);
    if (handshaking) continue;
    const ClusterNode* me = n.Myself();
    if (me && !me->slots.Empty()) continue;  // owns slots of another cluster: never merged
    meet.pods.push_back(n.pod);
    why.push_back(Describe(n.pod, n.id) + (n.HasClusterState() ? " lost the cluster" : " is new"));
  }
  if (!meet.pods.empty()) {
    std::string reason;
    for (const auto& w : why) reason += (reason.empty() ? "" : "; ") + w;
    reason += (meet.pods.size() == 1 ? ": meeting it through " : ": meeting them through ") +
              Describe(reference->pod, reference->id);
    return Action{std::move(meet), std::move(reason)};
  }

  std::string unhealthy = Unhealthy(obs, ref);

  // 5. Forget nodes no pod runs any more.
  if (AllStayingPodsAnswer(obs)) {
    Forget forget;
    for (const auto& c : ref.nodes()) {
      if (c.id == reference->id || c.flags.handshake || !c.slots.Empty()) continue;
      if (obs.FindById(c.id)) continue;
      if (!c.flags.fail && !c.flags.noaddr) continue;
      bool followed = false;
      for (const auto& n : obs.nodes)
        followed = followed || (n.reachable && n.Myself() && n.Myself()->master_id == c.id);
      if (followed) continue;
      forget.nodes.push_back({c.id, c.Address(), ""});
    }
    if (!forget.nodes.empty()) {
      for (const auto& n : obs.nodes)
        if (n.reachable) forget.forget_on.push_back(n.pod.Address());
      std::string reason;
      for (const auto& f : forget.nodes)
        reason += (reason.empty() ? "" : ", ") + ShortId(f.id) + " (" + f.address + ")";
      return Action{std::move(forget), "forgetting nodes no pod runs any more: " + reason};
    }
  }

  // 6. Roles.
  RolePlan roles = PlanRoles(obs, *reference, desired);
  if (!roles.assignments.empty()) {
    std::string reason;
    for (const auto& r : roles.assignments)
      reason += (reason.empty() ? "" : "; ") + Describe(r.replica) + " becomes a replica of " +
                Describe(r.master, r.master_id);
    return Action{AssignReplicas{roles.assignments}, std::move(reason)};
  }

  // 7. Drain leaving masters.
  engine::ClusterView engine_view = EngineView(obs, *reference);
  const Topology& view = engine_view.topology;
  std::vector<std::string> draining;
  for (const auto& n : obs.nodes)
    if (n.reachable && obs.Leaving(n.pod) && SlotCount(ref, n.id) > 0)
      draining.push_back(Describe(n.pod, n.id) + " " + std::to_string(SlotCount(ref, n.id)) +
                         " slots");
  if (!draining.empty()) {
    if (!unhealthy.empty()) return Waiting("cannot drain leaving pods yet: " + unhealthy);
    DrainLeaving drain{seed, Weights(view, roles)};
    auto plan = engine::PlanRebalance(view, MigrationOptions(drain.weights));
    if (!plan.ok()) return Waiting("cannot drain leaving pods yet: " + plan.status().message());
    std::string unaware = Unaware(obs, *plan);
    if (!unaware.empty()) return Waiting("cannot drain leaving pods yet: " + unaware);
    std::string reason;
    for (const auto& d : draining) reason += (reason.empty() ? "" : ", ") + d;
    return Action{std::move(drain), "spec.replicas is " + std::to_string(obs.spec_replicas) +
                                        ": draining leaving master(s) " + reason};
  }

  // 8. Reset and forget drained leaving nodes (none of them followed by a staying replica).
  RemoveLeaving remove;
  for (const auto& n : obs.nodes) {
    if (!n.reachable || !obs.Leaving(n.pod) || !ref.FindById(n.id)) continue;
    if (n.Myself() && !n.Myself()->slots.Empty()) continue;
    remove.nodes.push_back({n.id, n.pod.Address(), n.pod.name});
  }
  if (!remove.nodes.empty()) {
    for (const auto& n : obs.nodes)
      if (n.reachable && !obs.Leaving(n.pod)) remove.forget_on.push_back(n.pod.Address());
    std::string reason;
    for (const auto& f : remove.nodes)
      reason += (reason.empty() ? "" : ", ") + f.pod_name + " (" + ShortId(f.id) + ")";
    return Action{std::move(remove), "removing drained leaving node(s) " + reason};
  }

  // Roles that must wait (a pod still joining, or not knowing its master yet)
  // do not hold up drains and removals above, only the balance.
  if (!roles.blocked.empty()) return Waiting(roles.blocked);

  // 9. Balance: uneven when the engine's own planning has slots to move.
  std::map<std::string, double> weights = Weights(view, roles);
  auto plan = engine::PlanRebalance(view, MigrationOptions(weights));
  if (!plan.ok())
    return Waiting(unhealthy.empty() ? "cannot plan the balance: " + plan.status().message()
                                     : unhealthy);
  if (!plan->empty()) {
    if (!unhealthy.empty()) return Waiting("slots are uneven but " + unhealthy);
    std::string unaware = Unaware(obs, *plan);
    if (!unaware.empty()) return Waiting("slots are uneven but " + unaware);
    return Action{Rebalance{seed, weights}, "slots are uneven " + Imbalance(obs, view, *plan)};
  }
  if (!unhealthy.empty()) return Waiting(unhealthy);
  int masters = 0;
  for (const auto& [id, slots] : plan->slots_after) masters += slots > 0 ? 1 : 0;
  return Action{NothingToDo{}, "cluster balanced: " + std::to_string(masters) + " masters"};
}

}  // namespace rc::agent
