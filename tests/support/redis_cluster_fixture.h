// RedisClusterFixture: a real Redis Cluster of redis-server processes, each on
// its own loopback address (127.<suite>.x.y, port 6379 by default), built by a
// test in a few seconds: masters with slots split evenly, replicas attached,
// empty nodes added later, keys filled with pipelined SETs, and two referees:
// a full key/value checksum over all masters and `redis-cli --cluster check`.
// Every process is stopped by its pid when the fixture goes away.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/redis_client.h"
#include "common/status.h"
#include "common/topology.h"
#include "tests/support/redis_server_process.h"

namespace rc::testing {

struct ClusterFixtureOptions {
  int suite = 40;       // second octet of the loopback addresses (your range)
  int first_index = 0;  // node i gets LoopbackAddress(suite, first_index + i)
  int port = 6379;
  int masters = 3;
  int replicas_per_master = 0;
  std::string password;  // requirepass + masterauth on every node; empty: none
  int node_timeout_ms = 2000;
  std::chrono::milliseconds deadline{30000};  // for every wait of the fixture
  std::vector<std::string> extra;             // extra redis.conf lines for every node
  std::optional<ServerTls> tls;               // every node TLS only; the fixture connects with TLS
};

// Order-independent digest of every key and value (strings, lists, sets,
// hashes, sorted sets) held by the masters.
struct DataChecksum {
  long long keys = 0;
  unsigned long long digest = 0;
  bool operator==(const DataChecksum&) const = default;
};

// What a user sees of the balance: keys (DBSIZE) and slot ranges per master
// with slots (node id -> value), each master asked itself.
struct ClusterShape {
  std::map<std::string, long long> keys;
  std::map<std::string, int> ranges;
  double KeyShare(const std::string& id) const;  // of all the masters' keys; 0 when unknown
  std::string Text() const;                      // "1a2b3c4d keys=2500 ranges=1, ..."
};

class RedisClusterFixture {
 public:
  explicit RedisClusterFixture(ClusterFixtureOptions options);
  ~RedisClusterFixture();  // kills every node by pid
  RedisClusterFixture(const RedisClusterFixture&) = delete;
  RedisClusterFixture& operator=(const RedisClusterFixture&) = delete;

  // Starts masters*(1+replicas) nodes, gives the masters all slots (evenly,
  // ADDSLOTSRANGE), meets them, attaches replicas, and waits until every node
  // reports cluster_state:ok and knows every node.
  Status Create();
  // Starts one more node, meets it and waits until everyone knows it. When
  // `replica_of` >= 0 it becomes a replica of that node index. Returns its index.
  Result<int> AddNode(int replica_of = -1);
  // Starts a node process only (no cluster join); returns its index.
  Result<int> StartNode();

  // SETs `count` keys "<prefix><i>" with `value_size`-byte values, pipelined
  // per owning master. Values are deterministic (ValueFor).
  Status Fill(long long count, size_t value_size, const std::string& prefix = "key:");
  static std::string ValueFor(long long i, size_t value_size);

  // SCANs every reachable master (per node 0's view unless it is down).
  Result<DataChecksum> Checksum();
  // Keys and ranges of every running master that owns slots (its own view).
  Result<ClusterShape> Shape();
  // For a failure message: per running node that is a master in its own
  // view, its DBSIZE and the keys it holds in slots it does not own (which
  // clients cannot reach: a lost or duplicated key shows up there).
  std::string DescribeKeyPlacement();
  // Runs `redis-cli --cluster check ADDRESS` (with --tls --cacert for a TLS
  // cluster); true when it printed
  // "[OK] All 16384 slots covered." and no [WARNING] / [ERR] line.
  bool RedisCliCheck(std::string* output = nullptr, int node = 0);

  // Waits until every running node says cluster_state:ok, agrees on the slot
  // owners and knows every running node (failed nodes aside).
  Status WaitForConsistent();

  int size() const { return static_cast<int>(nodes_.size()); }
  RedisServerProcess& node(int i) { return *nodes_[static_cast<size_t>(i)]; }
  std::string address(int i) const { return nodes_[static_cast<size_t>(i)]->address(); }
  std::string seed() const { return address(0); }
  // The node id of node i (asked once, then cached).
  Result<std::string> NodeId(int i);
  // A fresh connection to node i (password from the options).
  Result<std::unique_ptr<RedisClient>> Connect(int i);
  HiredisConnector& connector() { return connector_; }
  // Node i's CLUSTER NODES.
  Result<Topology> TopologyOf(int i);
  // Indexes of running nodes that are masters owning slots (node i's own view).
  std::vector<int> MastersWithSlots();
  const ClusterFixtureOptions& options() const { return options_; }

 private:
  Status WaitAllKnowEachOther();
  Result<std::string> RunningSeed();

  ClusterFixtureOptions options_;
  HiredisConnector connector_;
  std::vector<std::unique_ptr<RedisServerProcess>> nodes_;
  std::vector<std::string> ids_;
};

}  // namespace rc::testing
