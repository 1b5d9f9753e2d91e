// Big keys: a 50 MB string and a set of a million members move with the rest
// (batches bounded by bytes; the MIGRATE timeout growing on retry is covered
// by the unit tests, a tiny one here only makes redis block for seconds).
#include <gtest/gtest.h>

#include "agent/engine/migration_engine.h"
#include "common/slot_hash.h"
#include "tests/support/redis_cluster_fixture.h"

namespace rc::engine {
namespace {

using rc::testing::ClusterFixtureOptions;
using rc::testing::RedisClusterFixture;

// A key whose slot node 0 owns (slots 0..5460 of three masters).
std::string KeyOnNode0(const std::string& prefix) {
  std::string key = prefix;
  for (int i = 0; KeySlot(key) > 5400; ++i) key = prefix + std::to_string(i);
  return key;
}

TEST(BigKeysTest, A50MbValueAndAMillionMemberSetMoveIntact) {
  ClusterFixtureOptions o;
  o.first_index = 100;
  // MIGRATE of a million members blocks the source (and RESTORE the target)
  // for seconds on a loaded machine: redis's default node timeout, not 2 s.
  o.node_timeout_ms = 15000;
  RedisClusterFixture cluster(o);
  ASSERT_TRUE(cluster.Create().ok());
  ASSERT_TRUE(cluster.Fill(10000, 64).ok());
  auto c = cluster.Connect(0);
  ASSERT_TRUE(c.ok());
  const std::string big = KeyOnNode0("big-string");
  std::string value(50 << 20, 'x');
  for (size_t i = 0; i < value.size(); i += 4096)
    value[i] = static_cast<char>('a' + (i / 4096) % 26);
  auto set_big = (*c)->Command({"SET", big, value});
  ASSERT_TRUE(set_big.ok() && set_big->IsOk());
  value.clear();
  value.shrink_to_fit();
  const std::string members = KeyOnNode0("big-set");
  for (int chunk = 0; chunk < 100; ++chunk) {
    RedisCommand sadd = {"SADD", members};
    for (int i = 0; i < 10000; ++i) sadd.push_back("member:" + std::to_string(chunk * 10000 + i));
    auto r = (*c)->Command(sadd);
    ASSERT_TRUE(r.ok() && !r->IsError());
  }
  auto card = (*c)->Command({"SCARD", members});
  ASSERT_TRUE(card.ok());
  ASSERT_EQ(card->integer, 1000000);
  auto before = cluster.Checksum();
  ASSERT_TRUE(before.ok());

  MigrationEngine engine(cluster.connector(), EngineOptions{});
  auto outcome = engine.Drain(cluster.seed(), cluster.address(0), PlanOptions{}, false, nullptr);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->report.errors.empty());

  auto after = cluster.Checksum();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before);
  auto d = cluster.Connect(0);
  auto left = (*d)->Command({"DBSIZE"});
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->integer, 0);
  std::string check;
  EXPECT_TRUE(cluster.RedisCliCheck(&check)) << check;
}

}  // namespace
}  // namespace rc::engine
