#include "tests/integration/agent/cluster_load.h"

#include <chrono>

#include "common/slot_hash.h"
#include "common/topology.h"

namespace rc::testing {
namespace {

std::string ValueOf(long long i) { return "load-value-" + std::to_string(i); }

}  // namespace

ClusterLoad::ClusterLoad(RedisConnector& connector, std::string seed, std::string prefix)
    : connector_(connector),
      seed_(std::move(seed)),
      prefix_(std::move(prefix)),
      slot_owner_(kSlotCount) {}

ClusterLoad::~ClusterLoad() { Stop(); }

Result<RedisClient*> ClusterLoad::ClientFor(const std::string& address) {
  auto& client = clients_[address];
  if (!client) {
    std::string host;
    int port = 0;
    RC_RETURN_IF_ERROR(ParseHostPort(address, &host, &port));
    auto connected = connector_.Connect(host, port);
    if (!connected.ok()) {
      clients_.erase(address);
      return connected.status();
    }
    client = std::move(*connected);
  }
  return client.get();
}

Status ClusterLoad::LoadSlotMap() {
  auto client = ClientFor(seed_);
  if (!client.ok()) return client.status();
  auto nodes = CommandChecked(**client, {"CLUSTER", "NODES"});
  if (!nodes.ok()) {
    clients_.erase(seed_);
    return nodes.status();
  }
  auto topology = Topology::ParseClusterNodes(nodes->str);
  if (!topology.ok()) return topology.status();
  for (const auto& n : topology->nodes())
    for (int s : n.slots.Slots()) slot_owner_[static_cast<size_t>(s)] = n.Address();
  return Status::Ok();
}

Result<RedisReply> ClusterLoad::Send(const RedisCommand& cmd, const std::string& key) {
  int slot = KeySlot(key);
  std::string address = slot_owner_[static_cast<size_t>(slot)];
  bool asking = false;
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (address.empty()) {
      (void)LoadSlotMap();
      address = slot_owner_[static_cast<size_t>(slot)];
      if (address.empty()) address = seed_;
    }
    auto client = ClientFor(address);
    Result<RedisReply> reply = client.ok() ? Result<RedisReply>(Status(Internal("unset")))
                                           : Result<RedisReply>(client.status());
    if (client.ok()) {
      if (asking) {
        auto replies = (*client)->Pipeline({{"ASKING"}, cmd});
        reply =
            replies.ok() ? Result<RedisReply>((*replies)[1]) : Result<RedisReply>(replies.status());
      } else {
        reply = (*client)->Command(cmd);
      }
    }
    asking = false;
    if (!reply.ok()) {
      clients_.erase(address);
      address.clear();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (reply->ErrorStartsWith("MOVED") || reply->ErrorStartsWith("ASK")) {
      std::string target = reply->str.substr(reply->str.rfind(' ') + 1);
      if (reply->ErrorStartsWith("MOVED")) {
        slot_owner_[static_cast<size_t>(slot)] = target;
      } else {
        asking = true;
      }
      address = target;
      continue;
    }
    if (reply->ErrorStartsWith("TRYAGAIN") || reply->ErrorStartsWith("CLUSTERDOWN") ||
        reply->ErrorStartsWith("LOADING")) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    return reply;
  }
  return Unavailable("gave up on key " + key);
}

void ClusterLoad::Start() {
  (void)LoadSlotMap();
  thread_ = std::thread([this] {
    long long i = 0;
    while (!stop_) {
      std::string key = prefix_ + std::to_string(i);
      auto reply = Send({"SET", key, ValueOf(i)}, key);
      if (!(reply.ok() && reply->IsOk())) {
        failed_keys_.push_back(i);  // may or may not exist; never counted as acknowledged
        ++failed_;
      }
      ++i;
      acknowledged_ = i;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
}

void ClusterLoad::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Status ClusterLoad::VerifyAcknowledged() {
  Stop();
  (void)LoadSlotMap();
  // acknowledged_ is the highest acknowledged index + 1; failed writes in
  // between are skipped by reading each key and accepting nil only for them.
  size_t next_failed = 0;
  for (long long i = 0; i < acknowledged_; ++i) {
    bool was_failed = next_failed < failed_keys_.size() && failed_keys_[next_failed] == i;
    if (was_failed) ++next_failed;
    std::string key = prefix_ + std::to_string(i);
    auto reply = Send({"GET", key}, key);
    if (!reply.ok()) return reply.status();
    if (reply->type == RedisReply::Type::kNil) {
      if (was_failed) continue;
      return Internal("acknowledged write " + key + " is lost");
    }
    if (reply->str != ValueOf(i)) return Internal("key " + key + " reads '" + reply->str + "'");
  }
  return Status::Ok();
}

}  // namespace rc::testing
