// FakeRedisCluster: an in-memory stand-in for a Redis Cluster, for unit tests
// of engine logic without processes or sockets. Each fake node keeps its own
// view of the slot owners, its own MIGRATING / IMPORTING slots and its own
// keys, and answers the commands the engine uses (CLUSTER NODES / INFO /
// MYID / SETSLOT / GETKEYSINSLOT / COUNTKEYSINSLOT / ADDSLOTS / DELSLOTS /
// BUMPEPOCH, MIGRATE ... KEYS, DBSIZE, DUMP, ASKING, PING, INFO) with the
// same rules and error texts as redis 7.0 where the engine depends on them.
//
// Scriptable: a hook sees every command first and may answer it instead
// (inject IOERR, a timeout, a dead node); every command is logged per node.
// FakeConnector hands out FakeClients; a node marked down refuses connects.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/redis_client.h"

namespace rc::testing {

struct FakeNode {
  std::string id;  // 40 hex chars
  std::string ip;
  int port = 6379;
  bool up = true;
  std::string master_id;  // empty: a master
  unsigned long long epoch = 0;
  std::vector<std::string> owners;          // its view: slot -> owner id ("" none)
  std::map<int, std::string> migrating;     // slot -> target id
  std::map<int, std::string> importing;     // slot -> source id
  std::map<std::string, std::string> keys;  // key -> value (strings only)
  // Slot -> keys, rebuilt lazily; invalidated at every client call because
  // tests edit `keys` directly between calls.
  std::map<int, std::vector<std::string>> slot_index;
  bool index_valid = false;
  std::string Address() const { return ip + ":" + std::to_string(port); }
};

class FakeRedisCluster {
 public:
  // Replies with a value to answer instead of the fake; nullopt lets it run.
  // A reply of type kNil with str == "DISCONNECT" makes the call fail with kUnavailable.
  using Hook =
      std::function<std::optional<RedisReply>(const FakeNode& node, const RedisCommand& argv)>;

  // Adds a master; id is derived from the index ("0000...0001").
  FakeNode& AddNode(const std::string& ip, int port = 6379);
  // Gives `slots` to node `index` in every node's view.
  void AssignSlots(int index, int first, int last);
  void MakeReplica(int replica, int master);
  // Sets keys (in the node's store only; no ownership check).
  void PutKey(int index, const std::string& key, const std::string& value);
  // Adds `count` keys "k:<i>" to whichever node owns their slot (per node 0's view).
  void FillOwned(int count);

  FakeNode& node(int i) { return nodes_[static_cast<size_t>(i)]; }
  FakeNode* FindByAddress(const std::string& ip, int port);
  FakeNode* FindById(const std::string& id);
  int size() const { return static_cast<int>(nodes_.size()); }
  void set_hook(Hook hook) { hook_ = std::move(hook); }

  // Every node's key store merged: key -> value; duplicates reported by count.
  std::map<std::string, std::string> AllKeys(int* duplicates = nullptr);
  // Commands received by a node (upper-cased first two words, e.g. "CLUSTER SETSLOT").
  std::vector<RedisCommand> Log(const std::string& address);
  void ClearLog();
  // Number of Pipeline() calls (round trips) a node received.
  int RoundTrips(const std::string& address);

  // Runs one command on the node at `address` (used by FakeClient). `asking`:
  // the connection sent ASKING just before (redis lets an IMPORTING node serve
  // the slot's keys only then).
  Result<RedisReply> Execute(const std::string& address, const RedisCommand& argv,
                             bool asking = false);
  void CountRoundTrip(const std::string& address);  // also invalidates key indexes
  std::mutex& mutex() { return mu_; }

 private:
  RedisReply Run(FakeNode& self, const RedisCommand& argv, bool asking);
  // Redis's redirection for a key command: nullopt when `self` serves `key`,
  // else the MOVED / ASK error it answers with.
  std::optional<RedisReply> Redirect(const FakeNode& self, const std::string& key, bool asking);
  // "MOVED <slot> <owner's address>" (":0" for an unknown owner).
  std::string MovedText(int slot, const std::string& owner_id);
  RedisReply RunCluster(FakeNode& self, const RedisCommand& argv);
  RedisReply RunMigrate(FakeNode& self, const RedisCommand& argv);
  // EVAL of the whole-slot move script (agent/engine/whole_slot_move.h), and
  // one command the script calls (logged, offered to the hook).
  RedisReply RunWholeSlotScript(FakeNode& self, const RedisCommand& argv);
  RedisReply RunInScript(FakeNode& self, const RedisCommand& argv);
  std::string ClusterNodesText(const FakeNode& self) const;
  long long CountKeys(FakeNode& n, int slot);
  const std::vector<std::string>& KeysInSlot(FakeNode& n, int slot);

  std::recursive_mutex exec_mu_;
  std::mutex mu_;
  std::vector<FakeNode> nodes_;
  Hook hook_;
  std::map<std::string, std::vector<RedisCommand>> log_;
  std::map<std::string, int> round_trips_;
};

class FakeClient : public RedisClient {
 public:
  FakeClient(FakeRedisCluster& cluster, std::string address)
      : cluster_(cluster), address_(std::move(address)) {}
  const std::string& address() const override { return address_; }
  Result<RedisReply> Command(const RedisCommand& argv) override;
  Result<std::vector<RedisReply>> Pipeline(const std::vector<RedisCommand>& cmds) override;
  void SetCommandTimeout(int ms) override { timeout_ms_ = ms; }
  int timeout_ms() const { return timeout_ms_; }

 private:
  // Runs one command, keeping the connection's ASKING flag as redis does.
  Result<RedisReply> Send(const RedisCommand& argv);

  FakeRedisCluster& cluster_;
  std::string address_;
  int timeout_ms_ = 5000;
  bool asking_ = false;  // ASKING was the last command: the next one may use an importing slot
};

class FakeConnector : public RedisConnector {
 public:
  explicit FakeConnector(FakeRedisCluster& cluster) : cluster_(cluster) {}
  Result<std::unique_ptr<RedisClient>> Connect(const std::string& host, int port) override;

 private:
  FakeRedisCluster& cluster_;
};

}  // namespace rc::testing
