// Topology::ParseClusterNodes against CLUSTER NODES replies captured from
// redis-server 7.0 (testdata/README.md says how and in which state each was taken).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/topology.h"

namespace rc {
namespace {

// Node ids of the captured cluster (the same run produced every captured file).
constexpr char kM1[] = "e9bd9124d5a785b86bc6ea8a8006b98c045f6743";  // 127.30.1.1 master 0-5460
constexpr char kM2[] = "4c6b36e47d768aaa9ba0d211a3ae6a9cd8bf4a74";  // 127.30.1.2 master 5461-10922
constexpr char kM3[] = "e0091ffbd88c56a96d93394142fc3c935baf721c";  // 127.30.1.3 master 10923-16383
constexpr char kR3[] = "dbbcb9772b845c5d559a5d033fff0aa5b7e40f3d";  // 127.30.1.4 replica of M3
constexpr char kR1[] = "83a7e9bf396b44101779e322962fb612465dfbe6";  // 127.30.1.5 replica of M1
constexpr char kR2[] = "28427ae2de98ef39628ca8e3915520c41fd4ef4c";  // 127.30.1.6 replica of M2

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(RC_TESTDATA_DIR) + "/" + name);
  EXPECT_TRUE(in) << "fixture " << name << " cannot be read";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Topology ParseFixture(const std::string& name) {
  auto topo = Topology::ParseClusterNodes(ReadFixture(name));
  EXPECT_TRUE(topo.ok()) << name << ": " << topo.status().ToString();
  return topo.ok() ? *topo : Topology();
}

const ClusterNode& Node(const Topology& topo, const std::string& id) {
  static const ClusterNode kMissing;
  const ClusterNode* node = topo.FindById(id);
  EXPECT_NE(node, nullptr) << "node " << id << " missing";
  return node ? *node : kMissing;
}

std::vector<std::string> Split(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

const std::vector<std::string> kCaptured = {"fresh_cluster.txt",
                                            "fresh_cluster_replica_view.txt",
                                            "open_slots_source.txt",
                                            "open_slots_target.txt",
                                            "handshake.txt",
                                            "nofailover.txt",
                                            "hostnames.txt",
                                            "pfail.txt",
                                            "failed_master.txt",
                                            "failover_done.txt",
                                            "noaddr.txt",
                                            "lone_node_no_ip.txt"};

// Every line of every fixture: flags print back exactly as redis printed them, and the
// slot fields (outside [...]) describe the same set the parser built.
TEST(TopologyFixtures, FlagsAndSlotsRoundTripOnEveryLine) {
  std::vector<std::string> all = kCaptured;
  all.push_back("redis5_handwritten.txt");
  all.push_back("redis3_no_cport_handwritten.txt");
  for (const auto& name : all) {
    std::istringstream lines(ReadFixture(name));
    int count = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      ++count;
      auto node = ParseClusterNodesLine(line);
      ASSERT_TRUE(node.ok()) << name << ": " << node.status().ToString();
      auto fields = Split(line);
      EXPECT_EQ(node->flags.ToString(), fields[2]) << name << ": " << line;
      EXPECT_EQ(node->id, fields[0]);
      std::string slots;
      for (size_t i = 8; i < fields.size(); ++i) {
        if (fields[i][0] == '[') continue;
        slots += (slots.empty() ? "" : ",") + fields[i];
      }
      EXPECT_EQ(node->slots.ToString(), slots) << name << ": " << line;
    }
    EXPECT_GT(count, 0) << name << " is empty";
  }
}

TEST(TopologyFixtures, FreshClusterSeenFromAMaster) {
  Topology topo = ParseFixture("fresh_cluster.txt");
  ASSERT_EQ(topo.nodes().size(), 6u);
  const ClusterNode* me = topo.Myself();
  ASSERT_NE(me, nullptr);
  EXPECT_EQ(me->id, kM1);
  EXPECT_EQ(me->ip, "127.30.1.1");
  EXPECT_EQ(me->port, 6379);
  EXPECT_EQ(me->bus_port, 16379);
  EXPECT_EQ(me->hostname, "");
  EXPECT_TRUE(me->flags.myself && me->flags.master && !me->flags.replica);
  EXPECT_EQ(me->master_id, "");
  EXPECT_EQ(me->ping_sent, 0);
  EXPECT_EQ(me->pong_received, 1795598128000);
  EXPECT_EQ(me->config_epoch, 1u);
  EXPECT_TRUE(me->link_connected);
  EXPECT_EQ(me->slots.ToString(), "0-5460");
  EXPECT_TRUE(me->migrating.empty() && me->importing.empty());

  const ClusterNode& r1 = Node(topo, kR1);
  EXPECT_EQ(r1.Address(), "127.30.1.5:6379");
  EXPECT_TRUE(r1.flags.replica && !r1.flags.master && !r1.flags.myself);
  EXPECT_EQ(r1.master_id, kM1);
  EXPECT_EQ(r1.pong_received, 1795598128162);
  EXPECT_EQ(r1.config_epoch, 1u);  // a replica shows its master's epoch
  EXPECT_TRUE(r1.slots.Empty());

  EXPECT_EQ(Node(topo, kM2).slots.ToString(), "5461-10922");
  EXPECT_EQ(Node(topo, kM3).slots.ToString(), "10923-16383");
  EXPECT_EQ(Node(topo, kM3).config_epoch, 3u);
  EXPECT_EQ(Node(topo, kR3).master_id, kM3);
  EXPECT_EQ(Node(topo, kR2).master_id, kM2);

  EXPECT_EQ(topo.Masters().size(), 3u);
  auto replicas = topo.ReplicasOf(kM3);
  ASSERT_EQ(replicas.size(), 1u);
  EXPECT_EQ(replicas[0]->id, kR3);
  EXPECT_EQ(topo.CoveredSlots().Count(), kSlotCount);
  auto owners = topo.SlotOwners();
  EXPECT_EQ(owners[0], kM1);
  EXPECT_EQ(owners[5461], kM2);
  EXPECT_EQ(owners[16383], kM3);
  EXPECT_FALSE(topo.HasOpenSlots());
  ASSERT_NE(topo.FindByAddress("127.30.1.3", 6379), nullptr);
  EXPECT_EQ(topo.FindByAddress("127.30.1.3", 6379)->id, kM3);
  EXPECT_EQ(topo.FindByAddress("127.30.1.3", 6380), nullptr);
}

TEST(TopologyFixtures, FreshClusterSeenFromAReplica) {
  Topology topo = ParseFixture("fresh_cluster_replica_view.txt");
  ASSERT_EQ(topo.nodes().size(), 6u);
  ASSERT_NE(topo.Myself(), nullptr);
  EXPECT_EQ(topo.Myself()->id, kR3);
  EXPECT_TRUE(topo.Myself()->flags.myself && topo.Myself()->flags.replica);
  EXPECT_EQ(topo.Myself()->master_id, kM3);
  EXPECT_EQ(topo.CoveredSlots().Count(), kSlotCount);
}

TEST(TopologyFixtures, OpenSlotsOnTheSource) {
  Topology topo = ParseFixture("open_slots_source.txt");
  const ClusterNode& me = Node(topo, kM1);
  EXPECT_EQ(me.migrating, (std::map<int, std::string>{{100, kM2}}));
  EXPECT_EQ(me.importing, (std::map<int, std::string>{{5461, kM2}}));
  // Open-slot markers do not change ownership.
  EXPECT_EQ(me.slots.ToString(), "0-5460");
  EXPECT_EQ(Node(topo, kM2).slots.ToString(), "5461-10922");
  EXPECT_TRUE(topo.HasOpenSlots());
  EXPECT_EQ(topo.CoveredSlots().Count(), kSlotCount);
}

TEST(TopologyFixtures, OpenSlotsOnTheTarget) {
  Topology topo = ParseFixture("open_slots_target.txt");
  ASSERT_NE(topo.Myself(), nullptr);
  EXPECT_EQ(topo.Myself()->id, kM2);
  EXPECT_TRUE(topo.Myself()->migrating.empty());
  EXPECT_EQ(topo.Myself()->importing, (std::map<int, std::string>{{100, kM1}}));
  // Only "myself" shows open slots; the source looks stable from here.
  EXPECT_TRUE(Node(topo, kM1).migrating.empty());
  EXPECT_TRUE(topo.HasOpenSlots());
}

TEST(TopologyFixtures, NodeInHandshake) {
  Topology topo = ParseFixture("handshake.txt");
  ASSERT_EQ(topo.nodes().size(), 7u);
  const ClusterNode& hs = Node(topo, "1806d4bb9a08fa0c738484d7285c8a580b4e3620");
  EXPECT_TRUE(hs.flags.handshake);
  EXPECT_FALSE(hs.flags.master || hs.flags.replica || hs.flags.myself);
  EXPECT_EQ(hs.ip, "127.30.1.9");
  EXPECT_EQ(hs.bus_port, 16379);
  EXPECT_EQ(hs.master_id, "");
  EXPECT_EQ(hs.pong_received, 0);
  EXPECT_EQ(hs.config_epoch, 0u);
  EXPECT_FALSE(hs.link_connected);
  EXPECT_TRUE(hs.slots.Empty());
  EXPECT_EQ(topo.Masters().size(), 3u);
}

TEST(TopologyFixtures, ReplicaWithNoFailover) {
  Topology topo = ParseFixture("nofailover.txt");
  const ClusterNode& r3 = Node(topo, kR3);
  EXPECT_TRUE(r3.flags.replica && r3.flags.nofailover);
  EXPECT_EQ(r3.master_id, kM3);
  EXPECT_FALSE(Node(topo, kR1).flags.nofailover);
}

TEST(TopologyFixtures, AnnouncedHostnames) {
  Topology topo = ParseFixture("hostnames.txt");
  const ClusterNode& m3 = Node(topo, kM3);
  EXPECT_EQ(m3.hostname, "redis-2.redis.default.svc.cluster.local");
  EXPECT_EQ(m3.ip, "127.30.1.3");
  EXPECT_EQ(m3.port, 6379);
  EXPECT_EQ(m3.bus_port, 16379);
  EXPECT_EQ(m3.Address(), "127.30.1.3:6379");
  EXPECT_EQ(Node(topo, kM1).hostname, "redis-0.redis.default.svc.cluster.local");
  EXPECT_EQ(Node(topo, kR2).hostname, "redis-5.redis.default.svc.cluster.local");
  EXPECT_EQ(Node(topo, kR2).master_id, kM2);
}

TEST(TopologyFixtures, PossiblyFailedMasters) {
  Topology topo = ParseFixture("pfail.txt");
  for (const char* id : {kM2, kM3}) {
    const ClusterNode& n = Node(topo, id);
    EXPECT_TRUE(n.flags.pfail) << id;
    EXPECT_FALSE(n.flags.fail) << id;
    EXPECT_TRUE(n.IsFailed()) << id;
    EXPECT_TRUE(n.link_connected) << id;  // a stopped process keeps its TCP link
  }
  EXPECT_EQ(Node(topo, kM3).ping_sent, 1795598130680);
  EXPECT_EQ(Node(topo, kM3).pong_received, 1795598130177);
  EXPECT_FALSE(Node(topo, kM1).IsFailed());
}

TEST(TopologyFixtures, FailedMasterBeforeFailover) {
  Topology topo = ParseFixture("failed_master.txt");
  const ClusterNode& m3 = Node(topo, kM3);
  EXPECT_TRUE(m3.flags.master && m3.flags.fail && !m3.flags.pfail);
  EXPECT_FALSE(m3.link_connected);
  EXPECT_EQ(m3.ping_sent, 1795598132697);
  EXPECT_EQ(m3.slots.ToString(), "10923-16383");  // still claimed until a replica takes over
  EXPECT_TRUE(Node(topo, kR3).flags.replica);
}

TEST(TopologyFixtures, FailoverDone) {
  Topology topo = ParseFixture("failover_done.txt");
  const ClusterNode& old = Node(topo, kM3);
  EXPECT_TRUE(old.flags.master && old.flags.fail);
  EXPECT_TRUE(old.slots.Empty());
  const ClusterNode& promoted = Node(topo, kR3);
  EXPECT_TRUE(promoted.flags.master && !promoted.flags.replica);
  EXPECT_EQ(promoted.master_id, "");
  EXPECT_EQ(promoted.config_epoch, 7u);
  EXPECT_EQ(promoted.slots.ToString(), "10923-16383");
  EXPECT_EQ(topo.SlotOwners()[16383], kR3);
  EXPECT_EQ(topo.Masters().size(), 4u);  // the failed id still counts as a master line
  EXPECT_TRUE(topo.ReplicasOf(kM3).empty());
}

TEST(TopologyFixtures, OldIdWithoutAddress) {
  Topology topo = ParseFixture("noaddr.txt");
  const ClusterNode& old = Node(topo, kM3);
  EXPECT_TRUE(old.flags.noaddr && old.flags.fail && old.flags.master);
  EXPECT_EQ(old.ip, "");
  EXPECT_EQ(old.port, 0);
  EXPECT_EQ(old.bus_port, 0);
  EXPECT_EQ(old.hostname, "redis-2.redis.default.svc.cluster.local");
  EXPECT_EQ(topo.FindByAddress("127.30.1.3", 6379), nullptr);
}

TEST(TopologyFixtures, LoneNodeDoesNotKnowItsIp) {
  Topology topo = ParseFixture("lone_node_no_ip.txt");
  ASSERT_EQ(topo.nodes().size(), 1u);
  const ClusterNode& me = topo.nodes()[0];
  EXPECT_EQ(me.id, "47a4a16b7a472d61de5f0941825aa580ebce51b2");
  EXPECT_EQ(me.ip, "");
  EXPECT_EQ(me.port, 6379);
  EXPECT_EQ(me.bus_port, 16379);
  EXPECT_TRUE(me.flags.myself && me.flags.master);
  EXPECT_EQ(me.config_epoch, 0u);
  EXPECT_TRUE(me.slots.Empty());
}

TEST(TopologyFixtures, Redis5FormatWithoutHostname) {
  Topology topo = ParseFixture("redis5_handwritten.txt");
  ASSERT_EQ(topo.nodes().size(), 6u);
  const ClusterNode& r = Node(topo, "07c37dfeb235213a872192d90877d0cd55635b91");
  EXPECT_EQ(r.ip, "127.0.0.1");
  EXPECT_EQ(r.port, 30004);
  EXPECT_EQ(r.bus_port, 31004);
  EXPECT_EQ(r.hostname, "");
  EXPECT_EQ(r.master_id, "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca");
  EXPECT_EQ(r.config_epoch, 4u);
  EXPECT_EQ(topo.Myself()->id, "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca");
  EXPECT_EQ(topo.CoveredSlots().Count(), kSlotCount);
}

TEST(TopologyFixtures, Redis3FormatWithoutBusPort) {
  Topology topo = ParseFixture("redis3_no_cport_handwritten.txt");
  ASSERT_EQ(topo.nodes().size(), 3u);
  const ClusterNode& me = *topo.Myself();
  EXPECT_EQ(me.port, 7001);
  EXPECT_EQ(me.bus_port, 17001);  // implied: port + 10000
  EXPECT_EQ(me.slots.ToString(), "0-999,1001,1003-1100,5461-10922");
  EXPECT_EQ(topo.SlotOwners()[1000], "c37a6c4b0ff9d3a3e4adbd7a7f0a8d0e2c1b5a90");
  EXPECT_EQ(topo.CoveredSlots().Count(), kSlotCount);
}

TEST(TopologyFixtures, AuxiliaryAddressFieldsAreIgnored) {
  // redis 7.2 writes key=value fields after the hostname in nodes.conf; empty hostname too.
  auto with_host = ParseClusterNodesLine(
      "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca "
      "10.0.0.1:6379@16379,redis-0,shard-id=abc,tls-port=0 "
      "myself,master - 0 0 1 connected 0-5460");
  ASSERT_TRUE(with_host.ok()) << with_host.status().ToString();
  EXPECT_EQ(with_host->hostname, "redis-0");
  EXPECT_EQ(with_host->bus_port, 16379);
  auto without_host = ParseClusterNodesLine(
      "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 10.0.0.1:6379@16379,,shard-id=abc "
      "myself,master - 0 0 1 connected");
  ASSERT_TRUE(without_host.ok()) << without_host.status().ToString();
  EXPECT_EQ(without_host->hostname, "");
}

}  // namespace
}  // namespace rc
