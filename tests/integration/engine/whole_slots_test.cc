// Whole-slot moves (agent/engine/whole_slot_move.h) against real clusters: a
// scale-out 3 -> 4 while a prober writes new keys into every slot it sees
// open on a source (an open slot answers ASK for a key it does not hold) and
// into random slots. With whole moves no node ever answers ASK (INFO
// errorstats); with them turned off the same prober meets ASKs, which shows
// the check can fail. On Redis 7.0.13 - 7.2.3 (Debian's 7.0.15) the source
// keeps claiming the slots for one round trip, so there the prober meets
// fewer ASKs than with the usual move, not none. Either way every acknowledged write reads back,
// and each replica ends with as many keys as its master.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "agent/engine/migration_engine.h"
#include "agent/engine/whole_slot_move.h"
#include "common/slot_hash.h"
#include "tests/support/redis_cluster_fixture.h"
#include "tests/support/redis_server_binary.h"
#include "tests/support/wait_for.h"

namespace rc::engine {
namespace {

using rc::testing::ClusterFixtureOptions;
using rc::testing::RedisClusterFixture;
using rc::testing::WaitFor;
using namespace std::chrono_literals;

// A hash tag per slot: "{tag}anything" hashes to that slot.
const std::vector<std::string>& SlotTags() {
  static const std::vector<std::string> tags = [] {
    std::vector<std::string> t(16384);
    int found = 0;
    for (long long i = 0; found < 16384; ++i) {
      std::string tag = "t" + std::to_string(i);
      auto& slot = t[static_cast<size_t>(KeySlot(tag))];
      if (slot.empty()) {
        slot = tag;
        ++found;
      }
    }
    return t;
  }();
  return tags;
}

long long ErrorStat(RedisClient& node, const std::string& code) {
  auto info = node.Command({"INFO", "errorstats"});
  if (!info.ok()) return -1;
  const std::string field = "errorstat_" + code + ":count=";
  auto pos = info->str.find(field);
  return pos == std::string::npos ? 0 : std::atoll(info->str.c_str() + pos + field.size());
}

// Writes new keys on the original masters until stopped: into every slot a
// master shows open (MIGRATING) in its CLUSTER NODES, and into one random
// slot per round on the master that owned it when the prober started.
class Prober {
 public:
  Prober(RedisClusterFixture& cluster, std::vector<int> masters)
      : cluster_(cluster), masters_(std::move(masters)) {}
  ~Prober() { Stop(); }

  Status Start() {
    for (int m : masters_) {
      auto c = cluster_.Connect(m);
      if (!c.ok()) return c.status();
      auto id = cluster_.NodeId(m);
      if (!id.ok()) return id.status();
      auto topology = cluster_.TopologyOf(m);
      if (!topology.ok()) return topology.status();
      const ClusterNode* self = topology->FindById(*id);
      if (!self) return Internal("node " + *id + " not in its own CLUSTER NODES");
      for (int s = 0; s < 16384; ++s)
        if (self->slots.Contains(s)) owner_[s] = links_.size();
      ids_.push_back(*id);
      links_.push_back(std::move(*c));
    }
    thread_ = std::thread([this] { Run(); });
    return Status::Ok();
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  long long asks() const { return asks_; }
  long long open_seen() const { return open_seen_; }
  const std::map<std::string, std::string>& acked() const { return acked_; }
  const std::string& error() const { return error_; }

 private:
  void Write(size_t link, int slot) {
    const std::string key = "{" + SlotTags()[static_cast<size_t>(slot)] + "}p" + std::to_string(n_);
    const std::string value = "v" + std::to_string(n_++);
    auto r = links_[link]->Command({"SET", key, value});
    if (!r.ok()) {
      if (error_.empty()) error_ = r.status().ToString();
      return;
    }
    if (r->IsOk()) {
      acked_[key] = value;
    } else if (r->ErrorStartsWith("ASK")) {
      ++asks_;
    } else if (!r->ErrorStartsWith("MOVED") && !r->ErrorStartsWith("TRYAGAIN") && error_.empty()) {
      error_ = "SET " + key + ": " + r->str;
    }
  }
  void Run() {
    std::mt19937 rng(7);
    while (!stop_) {
      for (size_t i = 0; i < links_.size() && !stop_; ++i) {
        auto nodes = links_[i]->Command({"CLUSTER", "NODES"});
        if (!nodes.ok()) continue;
        auto topology = Topology::ParseClusterNodes(nodes->str);
        if (!topology.ok()) continue;
        if (const ClusterNode* self = topology->FindById(ids_[i])) {
          for (const auto& [slot, to] : self->migrating) {
            ++open_seen_;
            Write(i, slot);
          }
        }
        const int slot = static_cast<int>(rng() % 16384);
        auto it = owner_.find(slot);
        if (it != owner_.end()) Write(it->second, slot);
      }
    }
  }

  RedisClusterFixture& cluster_;
  std::vector<int> masters_;
  std::vector<std::unique_ptr<RedisClient>> links_;
  std::vector<std::string> ids_;
  std::map<int, size_t> owner_;  // slot -> link, as of Start()
  std::map<std::string, std::string> acked_;
  std::atomic<bool> stop_{false};
  std::atomic<long long> asks_{0}, open_seen_{0};
  long long n_ = 0;
  std::string error_;
  std::thread thread_;
};

// GET following MOVED from node 0.
Result<RedisReply> ClusterGet(RedisClusterFixture& cluster, const std::string& key) {
  auto c = cluster.Connect(0);
  if (!c.ok()) return c.status();
  auto r = (*c)->Command({"GET", key});
  for (int hop = 0; hop < 3 && r.ok() && r->ErrorStartsWith("MOVED"); ++hop) {
    std::string host;
    int port = 0;
    RC_RETURN_IF_ERROR(ParseHostPort(r->str.substr(r->str.rfind(' ') + 1), &host, &port));
    auto next = cluster.connector().Connect(host, port);
    if (!next.ok()) return next.status();
    r = (*next)->Command({"GET", key});
  }
  return r;
}

long long TotalAsks(RedisClusterFixture& cluster) {
  long long total = 0;
  for (int i = 0; i < cluster.size(); ++i) {
    auto c = cluster.Connect(i);
    if (c.ok()) total += std::max(0LL, ErrorStat(**c, "ASK"));
  }
  return total;
}

void ScaleOutUnderProber(bool whole_slots, long long* server_asks, long long* prober_asks,
                         long long* open_seen) {
  ClusterFixtureOptions o;
  o.first_index = whole_slots ? 180 : 190;  // 7 nodes each, after real_clients_test (160..)
  o.masters = 3;
  o.replicas_per_master = 1;
  RedisClusterFixture cluster(o);
  ASSERT_TRUE(cluster.Create().ok());
  ASSERT_TRUE(cluster.Fill(30000, 64).ok());
  auto masters = cluster.MastersWithSlots();
  ASSERT_EQ(masters.size(), 3u);
  auto added = cluster.AddNode();
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  const long long asks_before = TotalAsks(cluster);

  Prober prober(cluster, masters);
  ASSERT_TRUE(prober.Start().ok());
  EngineOptions options;
  options.whole_slots = whole_slots;
  MigrationEngine engine(cluster.connector(), options);
  PlanOptions plan;
  plan.use_empty_masters = true;
  auto outcome = engine.Rebalance(cluster.seed(), plan, /*dry_run=*/false, nullptr);
  prober.Stop();
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->report.slots_moved, 4096);
  EXPECT_TRUE(outcome->report.errors.empty());
  EXPECT_TRUE(prober.error().empty()) << prober.error();
  EXPECT_GT(prober.acked().size(), 100u);
  std::cout << (whole_slots ? "whole" : "usual") << " moves: " << outcome->report.keys_moved
            << " keys in " << outcome->report.elapsed_seconds
            << " s; prober: " << prober.acked().size() << " writes acknowledged, " << prober.asks()
            << " ASK, " << prober.open_seen() << " open slot(s) seen\n";
  *server_asks = TotalAsks(cluster) - asks_before;
  *prober_asks = prober.asks();
  *open_seen = prober.open_seen();

  ASSERT_TRUE(cluster.WaitForConsistent().ok());
  long long lost = 0;
  for (const auto& [key, value] : prober.acked()) {
    auto got = ClusterGet(cluster, key);
    if (!got.ok() || got->str != value) ++lost;
  }
  EXPECT_EQ(lost, 0) << cluster.DescribeKeyPlacement();
  // Replicas end with their master's keys (the moves' DELs replicated).
  for (int i = 0; i < cluster.size(); ++i) {
    auto c = cluster.Connect(i);
    ASSERT_TRUE(c.ok());
    auto repl = (*c)->Command({"INFO", "replication"});
    ASSERT_TRUE(repl.ok());
    if (repl->str.find("role:slave") == std::string::npos) continue;
    const auto host_at = repl->str.find("master_host:") + 12;
    const auto port_at = repl->str.find("master_port:") + 12;
    const std::string host = repl->str.substr(host_at, repl->str.find('\r', host_at) - host_at);
    auto master = cluster.connector().Connect(host, std::atoi(repl->str.c_str() + port_at));
    ASSERT_TRUE(master.ok());
    long long want = -1, have = -2;
    EXPECT_TRUE(WaitFor(
        [&] {
          auto a = (*master)->Command({"DBSIZE"});
          auto b = (*c)->Command({"DBSIZE"});
          want = a.ok() ? a->integer : -1;
          have = b.ok() ? b->integer : -2;
          return want == have;
        },
        10s))
        << "replica " << cluster.address(i) << " has " << have << " keys, its master " << want;
  }
  std::string out;
  EXPECT_TRUE(cluster.RedisCliCheck(&out)) << out;
}

// Servers before 6.2 have no INFO errorstats: the prober's own count of ASK
// replies is checked there, the servers' count from 6.2 on.
bool HasErrorStats() { return rc::testing::TestServer().AtLeast(6, 2); }

WholeSlotSupport SupportOfTestServer() {
  const auto& t = rc::testing::TestServer();
  agent::ServerVersion v;
  v.known = true;
  v.valkey = t.valkey;
  v.major = t.major;
  v.minor = t.minor;
  v.patch = t.patch;
  return WholeSlotSupportOf(v);
}

TEST(WholeSlotsTest, NoNodeAnswersAskDuringAScaleOut) {
  const WholeSlotSupport support = SupportOfTestServer();
  if (support == WholeSlotSupport::kNo)
    GTEST_SKIP() << "whole-slot moves are off on " << rc::testing::TestServer().ToString()
                 << " (it cannot run CLUSTER SETSLOT in a script; whole_slot_move.h)";
  long long server_asks = -1, prober_asks = -1, open_seen = -1;
  ScaleOutUnderProber(/*whole_slots=*/true, &server_asks, &prober_asks, &open_seen);
  if (support == WholeSlotSupport::kKeepClaiming) {
    // Redis 7.0.13 - 7.2.3: the source keeps claiming each script's slots
    // until the target has claimed them, one round trip during which the
    // slots are open (whole_slot_move.h). ASK is possible then, so compare
    // with the usual move under the same prober.
    long long usual_server = -1, usual_prober = -1, usual_open = -1;
    ScaleOutUnderProber(/*whole_slots=*/false, &usual_server, &usual_prober, &usual_open);
    EXPECT_LT(prober_asks, usual_prober)
        << "keys moved at once should leave slots open less than the usual move";
    return;
  }
  if (HasErrorStats()) {
    EXPECT_EQ(server_asks, 0);
  }
  EXPECT_EQ(prober_asks, 0);
  EXPECT_EQ(open_seen, 0) << "no slot should ever be seen MIGRATING";
}

TEST(WholeSlotsTest, TheUsualMoveAnswersAskToTheSameProber) {
  long long server_asks = -1, prober_asks = -1, open_seen = -1;
  ScaleOutUnderProber(/*whole_slots=*/false, &server_asks, &prober_asks, &open_seen);
  EXPECT_GT(open_seen, 0);
  EXPECT_GT(prober_asks, 0);
  if (HasErrorStats()) {
    EXPECT_GE(server_asks, prober_asks);
  }
}

}  // namespace
}  // namespace rc::engine
