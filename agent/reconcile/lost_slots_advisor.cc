#include "agent/reconcile/lost_slots_advisor.h"

#include <iterator>

#include "agent/reconcile/reconcile_planner.h"

namespace rc::agent {
namespace {

// The pod that ran `owner` ("" unknown): remembered (even when the pod has no
// IP right now), else by its announced hostname ("redis-2.redis.shop.svc..."),
// else by its IP.
std::string PodNameOf(const Observation& obs, const engine::LostOwner& owner,
                      const PodsByNodeId& remembered) {
  if (auto it = remembered.find(owner.id); it != remembered.end()) return it->second;
  if (!owner.hostname.empty()) {
    std::string name = owner.hostname.substr(0, owner.hostname.find('.'));
    for (const auto& n : obs.nodes)
      if (n.pod.name == name) return name;
  }
  std::string ip = owner.address.substr(0, owner.address.rfind(':'));
  if (ip.empty()) return "";
  for (const auto& n : obs.nodes)
    if (n.pod.ip == ip) return n.pod.name;
  return "";
}

std::string Whose(const LostShard& shard) {
  const engine::LostOwner& o = shard.owner;
  std::string where = o.address;
  if (!shard.pod_name.empty()) where += (where.empty() ? "pod " : ", pod ") + shard.pod_name;
  std::string out = "master " + ShortId(o.id) + (where.empty() ? "" : " (" + where + ")");
  if (o.marked_fail) out += ", marked failed";
  if (!shard.pod_name.empty()) {
    out += shard.pod_answers ? ", whose pod came back as a new node (empty data dir: its keys "
                               "are gone)"
                             : ", whose pod's redis does not answer (if it comes back with its "
                               "data dir, its slots come back with it)";
  } else if (!o.replaced_by.empty() || o.marked_noaddr) {
    out += ", whose address now answers as another node";
  }
  return out;
}

}  // namespace

void RememberPods(const Observation& obs, PodsByNodeId* pods) {
  for (const auto& n : obs.nodes)
    if (n.reachable && !n.id.empty()) (*pods)[n.id] = n.pod.name;
  for (auto it = pods->begin(); it != pods->end();) {
    bool listed = false;
    for (const auto& n : obs.nodes)
      listed = listed || (n.reachable && n.view.FindById(it->first) != nullptr);
    it = listed ? std::next(it) : pods->erase(it);
  }
}

LostSlots FindLostSlots(const Observation& obs, const ObservedNode& reference,
                        const PodsByNodeId& remembered) {
  LostSlots lost;
  engine::UncoveredSlots uncovered = engine::FindUncoveredSlots(EngineView(obs, reference));
  // Only once the cluster agrees the owner is gone (what cover-slots checks
  // too): before that, the advice would be a command that refuses.
  lost.slots = uncovered.LostForGood();
  lost.unowned = uncovered.unowned;
  for (const auto& o : uncovered.owners) {
    if (!o.LostForGood()) continue;
    LostShard shard;
    shard.owner = o;
    shard.pod_name = PodNameOf(obs, o, remembered);
    for (const auto& n : obs.nodes)
      if (!shard.pod_name.empty() && n.pod.name == shard.pod_name && n.reachable && !n.id.empty() &&
          n.id != o.id)
        shard.pod_answers = true;
    lost.shards.push_back(std::move(shard));
  }
  return lost;
}

std::string CoverSlotsCommandLine(const CoverCommandTarget& target) {
  std::string command =
      "redis-cluster-agent cover-slots --seed " + target.seed + " --accept-data-loss";
  if (target.namespace_name.empty()) return command;
  return "kubectl exec " + target.pod_name + " -n " + target.namespace_name +
         " -c redis-cluster-agent -- " + command;
}

std::string FormatLostSlotsWarning(const LostSlots& lost, std::chrono::seconds uncovered_for,
                                   const CoverCommandTarget& target) {
  std::string out = "slots " + engine::DescribeSlots(lost.slots) +
                    " have been served by no master for " + std::to_string(uncovered_for.count()) +
                    " s: ";
  std::string whose;
  for (const auto& shard : lost.shards)
    whose += (whose.empty() ? "" : "; ") + engine::DescribeSlots(shard.owner.slots) +
             " belonged to " + Whose(shard);
  if (!lost.unowned.Empty())
    whose +=
        (whose.empty() ? "" : "; ") + engine::DescribeSlots(lost.unowned) + " belong to no node";
  out += whose +
         ". No replica answers to take over, so the keys in these slots are lost. "
         "With cluster-require-full-coverage yes (the default) the whole cluster "
         "refuses requests meanwhile. The agent does not accept data loss by itself: "
         "to serve these slots again, EMPTY, run: " +
         CoverSlotsCommandLine(target);
  return out;
}

std::string FormatLostSlotsEvent(const LostSlots& lost, const CoverCommandTarget& target) {
  std::string owners;
  for (const auto& shard : lost.shards)
    owners += (owners.empty() ? "" : ", ") + ShortId(shard.owner.id) +
              (shard.pod_name.empty() ? "" : " (pod " + shard.pod_name + ")");
  return "slots " + engine::DescribeSlots(lost.slots, 200) +
         " are served by no master and no replica" + (owners.empty() ? "" : " of " + owners) +
         " can take over: their keys are lost. To serve them again, empty, run: " +
         CoverSlotsCommandLine(target);
}

LostSlotsAdvice LostSlotsAdvisor::Observe(Clock::time_point now, const LostSlots& lost,
                                          const CoverCommandTarget& target) {
  LostSlotsAdvice advice;
  if (lost.empty()) {
    if (said_at_)
      advice = {LostSlotsAdvice::Kind::kResolved,
                "the " + std::to_string(said_slots_.Count()) +
                    " slot(s) reported lost are served again: " + said_slots_.ToString(),
                ""};
    since_.reset();
    said_at_.reset();
    said_slots_ = SlotSet();
    return advice;
  }
  if (!since_) since_ = now;
  if (now - *since_ < options_.grace) return advice;
  bool due = !said_at_ || now - *said_at_ >= options_.repeat || !(lost.slots == said_slots_);
  if (!due) return advice;
  said_at_ = now;
  said_slots_ = lost.slots;
  auto lasted = std::chrono::duration_cast<std::chrono::seconds>(now - *since_);
  advice = {LostSlotsAdvice::Kind::kWarn, FormatLostSlotsWarning(lost, lasted, target),
            FormatLostSlotsEvent(lost, target)};
  return advice;
}

}  // namespace rc::agent
