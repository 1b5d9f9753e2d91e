// A rebalance under client load (redis-py's RedisCluster, following MOVED and
// ASK): no failed operation, no lost acknowledged write, no wrong value.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent/engine/migration_engine.h"
#include "tests/support/redis_cluster_fixture.h"
#include "tests/support/wait_for.h"

namespace rc::engine {
namespace {

using rc::testing::ClusterFixtureOptions;
using rc::testing::RedisClusterFixture;
using rc::testing::WaitFor;
using namespace std::chrono_literals;

TEST(ClientLoadTest, ScaleOutAndBackUnderLoadLosesNoAcknowledgedWrite) {
  ClusterFixtureOptions o;
  o.first_index = 120;
  RedisClusterFixture cluster(o);
  ASSERT_TRUE(cluster.Create().ok());
  ASSERT_TRUE(cluster.Fill(50000, 64).ok());
  auto added = cluster.AddNode();
  ASSERT_TRUE(added.ok());

  const std::string dir = cluster.node(0).dir();
  const std::string ready = dir + "/load.ready", stop = dir + "/load.stop";
  std::string cmd = std::string("/usr/bin/python3 ") + LOAD_SCRIPT + " " + cluster.node(0).ip() +
                    " 6379 load: " + ready + " " + stop + " 2>" + dir + "/load.err";
  FILE* load = popen(cmd.c_str(), "r");
  ASSERT_NE(load, nullptr);
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(ready); }, 30s, 20ms))
      << "load did not start";

  MigrationEngine engine(cluster.connector(), EngineOptions{});
  PlanOptions plan;
  plan.use_empty_masters = true;
  auto out = engine.Rebalance(cluster.seed(), plan, false, nullptr);
  auto back = engine.Drain(cluster.seed(), cluster.address(*added), PlanOptions{}, false, nullptr);

  std::ofstream(stop).close();
  std::string text;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, load)) > 0) text.append(buf, n);
  pclose(load);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(out->report.slots_moved, 4096);

  auto json = nlohmann::json::parse(text.substr(text.rfind('{')), nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << text;
  EXPECT_GT(json["writes"].get<long>(), 200) << text;
  EXPECT_EQ(json["errors"].get<long>(), 0) << text;
  EXPECT_EQ(json["wrong"].get<long>(), 0) << text;
  EXPECT_EQ(json["lost"].get<long>(), 0) << text;
  std::printf("client load during the moves: %s\n", text.c_str());
  std::string check;
  EXPECT_TRUE(cluster.RedisCliCheck(&check)) << check;
}

}  // namespace
}  // namespace rc::engine
