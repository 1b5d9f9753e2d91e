// The engine against real clusters: scale out 3 -> 4 masters, scale in 4 -> 3,
// weights; every key in place (checksum) and `redis-cli --cluster check` clean.
#include <gtest/gtest.h>

#include "agent/engine/migration_engine.h"
#include "tests/support/redis_cluster_fixture.h"

namespace rc::engine {
namespace {

using rc::testing::ClusterFixtureOptions;
using rc::testing::RedisClusterFixture;

ClusterFixtureOptions Options(int replicas = 0) {
  ClusterFixtureOptions o;
  o.first_index = 20;
  o.masters = 3;
  o.replicas_per_master = replicas;
  return o;
}

struct CountingListener : ProgressListener {
  int calls = 0;
  MigrationProgress last;
  void OnProgress(const MigrationProgress& p) override {
    ++calls;
    last = p;
  }
};

TEST(EngineRebalanceTest, ScalesOutToAnEmptyMasterKeepingEveryKey) {
  RedisClusterFixture cluster(Options(1));
  ASSERT_TRUE(cluster.Create().ok());
  ASSERT_TRUE(cluster.Fill(30000, 64).ok());
  auto before = cluster.Checksum();
  ASSERT_TRUE(before.ok());
  auto added = cluster.AddNode();
  ASSERT_TRUE(added.ok()) << added.status().ToString();

  MigrationEngine engine(cluster.connector(), EngineOptions{});
  PlanOptions plan;
  plan.use_empty_masters = true;
  CountingListener listener;
  auto outcome = engine.Rebalance(cluster.seed(), plan, /*dry_run=*/false, &listener);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->plan.moves.size(), 4096u);
  EXPECT_EQ(outcome->report.slots_moved, 4096);
  // Every key of the planned slots moved, and they are its share of the data:
  // a quarter of the keys (hash noise aside) in at most one range per donor.
  EXPECT_EQ(outcome->report.keys_moved, outcome->plan.KnownKeys());
  EXPECT_NEAR(static_cast<double>(outcome->report.keys_moved), 30000 / 4.0, 30000 / 4.0 * 0.03);
  EXPECT_TRUE(outcome->report.errors.empty());
  EXPECT_TRUE(outcome->balanced_after);
  EXPECT_GE(listener.calls, 1);
  EXPECT_TRUE(listener.last.final);
  EXPECT_EQ(listener.last.slots_done, 4096);

  auto after = cluster.Checksum();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before);
  EXPECT_EQ(cluster.MastersWithSlots().size(), 4u);
  auto target = cluster.Connect(*added);
  ASSERT_TRUE(target.ok());
  auto dbsize = (*target)->Command({"DBSIZE"});
  ASSERT_TRUE(dbsize.ok());
  EXPECT_EQ(dbsize->integer, outcome->report.keys_moved);
  auto shape = cluster.Shape();
  ASSERT_TRUE(shape.ok()) << shape.status().ToString();
  for (const auto& [id, n] : shape->ranges)
    EXPECT_LE(n, id == *cluster.NodeId(*added) ? 3 : 1) << shape->Text();
  std::string out;
  EXPECT_TRUE(cluster.RedisCliCheck(&out)) << out;

  // Drain it back: every key that arrived leaves, and each master is one
  // range again.
  auto back = engine.Drain(cluster.seed(), cluster.address(*added), PlanOptions{}, false, nullptr);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->report.keys_moved, dbsize->integer);
  shape = cluster.Shape();
  ASSERT_TRUE(shape.ok());
  for (const auto& [id, n] : shape->ranges) EXPECT_LE(n, 1) << shape->Text();
  EXPECT_EQ(*cluster.Checksum(), *before);

  auto out2 = engine.Rebalance(cluster.seed(), plan, false, nullptr);
  ASSERT_TRUE(out2.ok()) << out2.status().ToString();

  // Already balanced: a second run moves nothing.
  auto again = engine.Rebalance(cluster.seed(), plan, false, nullptr);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->plan.empty());
}

TEST(EngineRebalanceTest, DrainsAMasterAndRebalancesByWeight) {
  ClusterFixtureOptions o = Options();
  o.masters = 4;
  RedisClusterFixture cluster(o);
  ASSERT_TRUE(cluster.Create().ok());
  ASSERT_TRUE(cluster.Fill(20000, 32).ok());
  auto before = cluster.Checksum();
  ASSERT_TRUE(before.ok());

  MigrationEngine engine(cluster.connector(), EngineOptions{});
  auto drained = engine.Drain(cluster.seed(), cluster.address(3), PlanOptions{}, false, nullptr);
  ASSERT_TRUE(drained.ok()) << drained.status().ToString();
  EXPECT_EQ(drained->report.slots_moved, 4096);
  EXPECT_EQ(cluster.MastersWithSlots().size(), 3u);
  auto after = cluster.Checksum();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before);
  std::string out;
  EXPECT_TRUE(cluster.RedisCliCheck(&out)) << out;

  // Weights 2:1:1 over the three remaining masters (the drained one stays empty).
  auto id0 = cluster.NodeId(0);
  ASSERT_TRUE(id0.ok());
  PlanOptions weighted;
  weighted.weights[*id0] = 2;
  auto rebalanced = engine.Rebalance(cluster.seed(), weighted, false, nullptr);
  ASSERT_TRUE(rebalanced.ok()) << rebalanced.status().ToString();
  auto topo = cluster.TopologyOf(0);
  ASSERT_TRUE(topo.ok());
  EXPECT_NEAR(topo->FindById(*id0)->slots.Count(), 8192, 1);
  after = cluster.Checksum();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before);
  EXPECT_TRUE(cluster.RedisCliCheck(&out)) << out;
}

}  // namespace
}  // namespace rc::engine
