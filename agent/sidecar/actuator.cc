#include "agent/sidecar/actuator.h"

#include <variant>

#include "agent/reconcile/reconcile_planner.h"
#include "common/log.h"

namespace rc::agent {
namespace {

Result<std::unique_ptr<RedisClient>> Open(RedisConnector& connector, const std::string& address) {
  std::string host;
  int port = 0;
  RC_RETURN_IF_ERROR(ParseHostPort(address, &host, &port));
  return connector.Connect(host, port);
}

}  // namespace

Result<ActionOutcome> Actuator::Execute(const Action& action, engine::ProgressListener* listener) {
  return std::visit([&](const auto& kind) { return Do(kind, listener); }, action.kind);
}

Result<ActionOutcome> Actuator::Do(const NothingToDo&, engine::ProgressListener*) {
  return ActionOutcome{};
}

Result<ActionOutcome> Actuator::Do(const Wait&, engine::ProgressListener*) {
  return ActionOutcome{};
}

Result<ActionOutcome> Actuator::Do(const Bootstrap& bootstrap, engine::ProgressListener*) {
  for (const auto& m : bootstrap.masters) {
    auto client = Open(connector_, m.pod.Address());
    if (!client.ok()) return client.status();
    // A fresh node has epoch 0; distinct epochs avoid a collision round at start.
    auto epoch =
        (*client)->Command({"CLUSTER", "SET-CONFIG-EPOCH", std::to_string(m.config_epoch)});
    if (!epoch.ok()) return epoch.status();
    for (int first = m.slots.first; first <= m.slots.last; first += 2000) {
      RedisCommand add = {"CLUSTER", "ADDSLOTS"};
      for (int s = first; s <= std::min(m.slots.last, first + 1999); ++s)
        add.push_back(std::to_string(s));
      auto reply = CommandChecked(**client, add);
      if (!reply.ok()) return reply.status().WithContext("assigning slots to " + m.pod.name);
    }
  }
  RC_RETURN_IF_ERROR(MeetThrough(bootstrap.seed, bootstrap.meet));
  return ActionOutcome{0, 0,
                       "gave slots to " + std::to_string(bootstrap.masters.size()) +
                           " masters and introduced " + std::to_string(bootstrap.meet.size()) +
                           " nodes to " + bootstrap.seed};
}

Result<ActionOutcome> Actuator::Do(const FixOpenSlots& fix, engine::ProgressListener*) {
  engine::FixReport report;
  auto view = engine_.ObserveAndSettle(fix.seed, &report);
  if (!view.ok()) return view.status().WithContext("fixing open slots");
  std::string summary = "closed " + std::to_string(report.slots_fixed) + " open slot(s)";
  for (const auto& line : report.actions) RC_LOG_INFO << "open slot: " << line;
  return ActionOutcome{0, report.keys_moved, summary};
}

Result<ActionOutcome> Actuator::Do(const Meet& meet, engine::ProgressListener*) {
  RC_RETURN_IF_ERROR(MeetThrough(meet.seed, meet.pods));
  return ActionOutcome{0, 0,
                       "sent CLUSTER MEET for " + std::to_string(meet.pods.size()) +
                           " node(s) through " + meet.seed};
}

Result<ActionOutcome> Actuator::Do(const Forget& forget, engine::ProgressListener*) {
  return ForgetEverywhere(forget.nodes, forget.forget_on, /*reset_first=*/false);
}

Result<ActionOutcome> Actuator::Do(const PromoteReplica& promote, engine::ProgressListener*) {
  auto client = Open(connector_, promote.replica.Address());
  if (!client.ok()) return client.status();
  auto reply = CommandChecked(**client, {"CLUSTER", "FAILOVER", "FORCE"});
  if (!reply.ok()) return reply.status().WithContext("promoting " + promote.replica.name);
  return ActionOutcome{0, 0, promote.replica.name + " asked to take over (CLUSTER FAILOVER FORCE)"};
}

Result<ActionOutcome> Actuator::Do(const DrainLeaving& drain, engine::ProgressListener* listener) {
  return Migrate(drain.seed, drain.weights, listener);
}

Result<ActionOutcome> Actuator::Do(const RemoveLeaving& remove, engine::ProgressListener*) {
  return ForgetEverywhere(remove.nodes, remove.forget_on, /*reset_first=*/true);
}

Result<ActionOutcome> Actuator::Do(const AssignReplicas& assign, engine::ProgressListener*) {
  int done = 0;
  for (const auto& r : assign.assignments) {
    auto client = Open(connector_, r.replica.Address());
    if (!client.ok()) return client.status();
    auto reply = CommandChecked(**client, {"CLUSTER", "REPLICATE", r.master_id});
    if (!reply.ok())
      return reply.status().WithContext(r.replica.name + " replicating " + r.master.name);
    ++done;
  }
  return ActionOutcome{0, 0, std::to_string(done) + " replica(s) attached"};
}

Result<ActionOutcome> Actuator::Do(const Rebalance& rebalance, engine::ProgressListener* listener) {
  return Migrate(rebalance.seed, rebalance.weights, listener);
}

Status Actuator::MeetThrough(const std::string& seed, const std::vector<PodInfo>& pods) {
  auto client = Open(connector_, seed);
  if (!client.ok()) return client.status();
  for (const auto& pod : pods) {
    // Two arguments: redis 5.0 and 6.x have no explicit bus port argument.
    auto reply = CommandChecked(**client, {"CLUSTER", "MEET", pod.ip, std::to_string(pod.port)});
    if (!reply.ok()) return reply.status().WithContext("meeting " + pod.name);
  }
  return Status::Ok();
}

Result<ActionOutcome> Actuator::ForgetEverywhere(const std::vector<NodeRef>& nodes,
                                                 const std::vector<std::string>& forget_on,
                                                 bool reset_first) {
  int resets = 0;
  if (reset_first) {
    for (const auto& node : nodes) {
      auto client = Open(connector_, node.address);
      if (!client.ok()) continue;  // gone already: forgetting it is enough
      auto reply = CommandChecked(**client, {"CLUSTER", "RESET", "HARD"});
      if (!reply.ok()) return reply.status().WithContext("resetting leaving node " + node.pod_name);
      ++resets;
    }
  }
  int forgets = 0;
  for (const auto& address : forget_on) {
    auto client = Open(connector_, address);
    if (!client.ok()) {
      RC_LOG_WARNING << "cannot reach " << address
                     << " to forget nodes: " << client.status().message();
      continue;
    }
    for (const auto& node : nodes) {
      if (node.address == address) continue;
      auto reply = (*client)->Command({"CLUSTER", "FORGET", node.id});
      if (!reply.ok()) return reply.status();
      if (reply->IsError() && reply->str.find("Unknown node") == std::string::npos &&
          reply->str.find("forget myself") == std::string::npos)
        return FailedPrecondition("CLUSTER FORGET " + node.id.substr(0, 8) + " on " + address +
                                  ": " + reply->str);
      forgets += reply->IsError() ? 0 : 1;
    }
  }
  return ActionOutcome{
      0, 0,
      (reset_first ? "reset " + std::to_string(resets) + " leaving node(s), " : "") + "forgot " +
          std::to_string(nodes.size()) + " node(s) on " + std::to_string(forget_on.size()) +
          " node(s)"};
}

Result<ActionOutcome> Actuator::Migrate(const std::string& seed,
                                        const std::map<std::string, double>& weights,
                                        engine::ProgressListener* listener) {
  auto outcome = engine_.Rebalance(seed, MigrationOptions(weights), /*dry_run=*/false, listener);
  if (!outcome.ok()) return outcome.status();
  ActionOutcome out;
  out.slots_moved = outcome->report.slots_moved;
  out.keys_moved = outcome->report.keys_moved;
  out.nothing_to_do = outcome->plan.empty() && outcome->fix.slots_fixed == 0;
  char secs[32];
  std::snprintf(secs, sizeof(secs), "%.1f", outcome->report.elapsed_seconds);
  out.summary = "moved " + std::to_string(out.slots_moved) + " slots (" +
                std::to_string(out.keys_moved) + " keys) in " + secs + " s";
  return out;
}

}  // namespace rc::agent
