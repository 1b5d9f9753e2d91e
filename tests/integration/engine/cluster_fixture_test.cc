// The fixture itself: a cluster it builds must pass redis-cli's check, hold
// every key it filled, and the checksum must see a changed value.
#include <gtest/gtest.h>

#include "common/slot_hash.h"
#include "tests/support/redis_cluster_fixture.h"

namespace rc::testing {
namespace {

TEST(RedisClusterFixtureTest, BuildsAConsistentClusterWithReplicasAndKeys) {
  ClusterFixtureOptions o;
  o.first_index = 0;
  o.masters = 3;
  o.replicas_per_master = 1;
  RedisClusterFixture cluster(o);
  ASSERT_TRUE(cluster.Create().ok());
  ASSERT_TRUE(cluster.Fill(5000, 32).ok());
  std::string out;
  EXPECT_TRUE(cluster.RedisCliCheck(&out)) << out;
  auto sum = cluster.Checksum();
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->keys, 5000);

  auto added = cluster.AddNode();
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(cluster.size(), 7);
  EXPECT_EQ(cluster.MastersWithSlots().size(), 3u);

  // A changed value changes the checksum.
  auto client = cluster.connector().Connect(cluster.node(0).ip(), cluster.node(0).port());
  ASSERT_TRUE(client.ok());
  auto before = cluster.Checksum();
  ASSERT_TRUE(before.ok());
  // A key whose slot node 0 owns (0..5461).
  std::string key = "probe";
  for (int i = 0; KeySlot(key) > 5000; ++i) key = "probe" + std::to_string(i);
  auto set = (*client)->Command({"SET", key, "1"});
  ASSERT_TRUE(set.ok() && set->IsOk()) << set->str;
  auto after = cluster.Checksum();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->keys, before->keys + 1);
  EXPECT_NE(after->digest, before->digest);
}

}  // namespace
}  // namespace rc::testing
