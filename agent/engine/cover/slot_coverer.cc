#include "agent/engine/cover/slot_coverer.h"

#include <cstdio>
#include <map>
#include <memory>

#include "agent/engine/migration_engine.h"

namespace rc::engine {
namespace {

using Clock = std::chrono::steady_clock;

std::string Short(const std::string& id) { return id.substr(0, 8); }

// One connection per address, opened on first use.
class Links {
 public:
  explicit Links(RedisConnector& connector) : connector_(connector) {}
  Result<RedisClient*> Get(const std::string& address) {
    auto it = clients_.find(address);
    if (it != clients_.end()) return it->second.get();
    std::string host;
    int port = 0;
    RC_RETURN_IF_ERROR(ParseHostPort(address, &host, &port));
    auto client = connector_.Connect(host, port);
    if (!client.ok()) return client.status();
    RedisClient* raw = client->get();
    clients_[address] = std::move(client).value();
    return raw;
  }

 private:
  RedisConnector& connector_;
  std::map<std::string, std::unique_ptr<RedisClient>> clients_;
};

// CLUSTER ADDSLOTSRANGE (redis >= 7.0), else ADDSLOTS in chunks.
Status AddSlots(RedisClient& client, const SlotSet& slots) {
  RedisCommand range = {"CLUSTER", "ADDSLOTSRANGE"};
  for (const auto& r : slots.Ranges()) {
    range.push_back(std::to_string(r.first));
    range.push_back(std::to_string(r.last));
  }
  auto reply = client.Command(range);
  if (!reply.ok()) return reply.status();
  if (!reply->IsError()) return Status::Ok();
  // redis < 7: "Unknown subcommand" (6.x), "Wrong CLUSTER subcommand" (5.0).
  if (reply->str.find("subcommand") == std::string::npos)
    return Internal("redis " + client.address() + ": CLUSTER ADDSLOTSRANGE failed: " + reply->str);
  std::vector<int> all = slots.Slots();
  for (size_t i = 0; i < all.size(); i += 1000) {
    RedisCommand add = {"CLUSTER", "ADDSLOTS"};
    for (size_t k = i; k < all.size() && k < i + 1000; ++k) add.push_back(std::to_string(all[k]));
    RC_RETURN_IF_ERROR(CommandChecked(client, add).status());
  }
  return Status::Ok();
}

}  // namespace

Result<SlotCoverPlan> ObserveAndPlanSlotCover(RedisConnector& connector, const std::string& seed) {
  ObserveOptions observe;
  observe.read_dbsize = false;
  auto view = ObserveCluster(connector, seed, observe);
  if (!view.ok()) return view.status();
  return PlanSlotCover(*view);
}

Status ExecuteSlotCover(RedisConnector& connector, const SlotCoverPlan& plan,
                        const SlotCoverOptions& options, const SayFn& say) {
  if (plan.empty()) return Status::Ok();
  const auto start = Clock::now();
  Links links(connector);

  // Forget first: a node that still lists the lost owner refuses ADDSLOTS
  // ("Slot N is already busy"), and the forget ban (60 s) keeps gossip from
  // bringing the id back meanwhile.
  for (const auto& owner : plan.forget) {
    int told = 0;
    for (const auto& address : plan.forget_on) {
      auto client = links.Get(address);
      if (!client.ok()) {
        say("could not reach " + address + " to forget " + Short(owner.id) + ": " +
            client.status().message() + " (it may list the lost master until it is told)");
        continue;
      }
      auto reply = (*client)->Command({"CLUSTER", "FORGET", owner.id});
      if (!reply.ok()) {
        say("could not tell " + address + " to forget " + Short(owner.id) + ": " +
            reply.status().message());
        continue;
      }
      if (reply->IsError() && reply->str.find("Unknown node") == std::string::npos)
        return Internal("redis " + address + ": CLUSTER FORGET " + Short(owner.id) +
                        " failed: " + reply->str);
      ++told;
    }
    say("forgot on " + std::to_string(told) + " node(s): " + DescribeLostOwner(owner));
  }

  for (const auto& grant : plan.grants) {
    auto client = links.Get(grant.address);
    if (!client.ok()) return client.status().WithContext("master " + grant.address);
    RC_RETURN_IF_ERROR(AddSlots(**client, grant.slots));
    auto bumped = CommandChecked(**client, {"CLUSTER", "BUMPEPOCH"});
    if (!bumped.ok()) return bumped.status();
    SlotSet kept = grant.slots.Intersect(plan.kept_by_importers);
    say("gave slots " + DescribeSlots(grant.slots) + " to master " + Short(grant.master_id) + " (" +
        grant.address + "), empty" +
        (kept.Empty() ? std::string()
                      : " but for " + DescribeSlots(kept) +
                            ", whose keys it had already imported and keeps") +
        "; its config epoch bumped (" + bumped->str + ")");
  }

  for (const auto& address : plan.forget_on) {
    auto left = options.settle_timeout -
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (left < std::chrono::milliseconds(0)) left = std::chrono::milliseconds(0);
    auto client = links.Get(address);
    if (!client.ok()) return client.status().WithContext("waiting for cluster_state:ok");
    RC_RETURN_IF_ERROR(WaitForSlotMap(**client, plan.slot_owners, left));
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  char took[32];
  std::snprintf(took, sizeof(took), "%.1f", seconds);
  say("cluster_state:ok on all " + std::to_string(plan.forget_on.size()) +
      " node(s), every slot served (" + took + " s)");
  return Status::Ok();
}

}  // namespace rc::engine
