// Recognising the redis container and planning its command.
#include "webhook/redis_container.h"

#include <gtest/gtest.h>

namespace rc::webhook {
namespace {

using nlohmann::json;

struct FindCase {
  std::string name;
  json containers;
  long expected_index;  // -1: denial
  ServerFlavor flavor = ServerFlavor::kRedis;
};

class FindRedisContainerTable : public ::testing::TestWithParam<FindCase> {};

TEST_P(FindRedisContainerTable, PicksTheServer) {
  const FindCase& c = GetParam();
  auto found = FindRedisContainer(c.containers);
  if (c.expected_index < 0) {
    ASSERT_FALSE(found.ok());
    EXPECT_NE(found.status().message().find("spec.template.spec.containers"), std::string::npos);
    if (!c.containers.empty()) {
      for (const char* field : {"name", "image", "command"}) {
        EXPECT_NE(found.status().message().find(field), std::string::npos) << field;
      }
    }
    return;
  }
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(static_cast<long>(found->index), c.expected_index);
  EXPECT_EQ(found->flavor, c.flavor);
}

json C(const std::string& name, const std::string& image, json command = nullptr) {
  json c = {{"name", name}, {"image", image}};
  if (!command.is_null()) c["command"] = command;
  return c;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, FindRedisContainerTable,
    ::testing::Values(
        FindCase{"by_name", json::array({C("app", "nginx"), C("redis", "my/custom:1")}), 1},
        FindCase{"by_image", json::array({C("app", "nginx"), C("cache", "redis:7.0")}), 1},
        FindCase{"by_image_registry", json::array({C("cache", "ghcr.io/x/redis@sha256:ab")}), 0},
        FindCase{"valkey_image", json::array({C("kv", "valkey/valkey:8.0")}), 0,
                 ServerFlavor::kValkey},
        FindCase{"valkey_name", json::array({C("valkey", "valkey/valkey:8.0")}), 0,
                 ServerFlavor::kValkey},
        FindCase{"by_command",
                 json::array({C("srv", "my/base:1", json::array({"/usr/bin/redis-server", "/c"}))}),
                 0},
        FindCase{"exporter_skipped",
                 json::array({C("metrics", "oliver006/redis_exporter:v1"), C("db", "redis:7")}), 1},
        FindCase{"agent_skipped",
                 json::array({C("redis-cluster-agent", "redis-cluster-agent:0.1.0"),
                              C("redis", "redis:7")}),
                 1},
        FindCase{"name_beats_image", json::array({C("cache", "redis:7"), C("redis", "redis:7")}),
                 1},
        FindCase{"none", json::array({C("app", "nginx"), C("metrics", "oliver006/redis_exporter")}),
                 -1},
        FindCase{"empty", json::array(), -1}),
    [](const ::testing::TestParamInfo<FindCase>& param) { return param.param.name; });

TEST(PlanCommand, NoCommandGetsTheInjectedOne) {
  CommandPlan plan = PlanCommand(C("redis", "redis:7"), ServerFlavor::kRedis);
  EXPECT_TRUE(plan.replace);
  EXPECT_FALSE(plan.user_args.has_value());
}

TEST(PlanCommand, ServerWithOwnConfigIsReplacedAndHandedToInit) {
  json c = C("redis", "redis:7", json::array({"redis-server", "/conf/redis.conf"}));
  c["args"] = json::array({"--maxmemory", "1gb"});
  CommandPlan plan = PlanCommand(c, ServerFlavor::kRedis);
  EXPECT_TRUE(plan.replace);
  ASSERT_TRUE(plan.user_args.has_value());
  EXPECT_EQ(*plan.user_args,
            (std::vector<std::string>{"redis-server", "/conf/redis.conf", "--maxmemory", "1gb"}));
}

TEST(PlanCommand, EntrypointWrapperIsSeenThrough) {
  json c = C("redis", "redis:7", json::array({"docker-entrypoint.sh", "redis-server", "/c.conf"}));
  CommandPlan plan = PlanCommand(c, ServerFlavor::kRedis);
  EXPECT_TRUE(plan.replace);
  EXPECT_EQ(*plan.user_args, (std::vector<std::string>{"redis-server", "/c.conf"}));
}

TEST(PlanCommand, InjectedCommandIsRecognised) {
  json c = C("redis", "redis:7", json::array({"redis-server", "/etc/redis-cluster/redis.conf"}));
  CommandPlan plan = PlanCommand(c, ServerFlavor::kRedis);
  EXPECT_TRUE(plan.already_injected);
  EXPECT_FALSE(plan.replace);
}

TEST(PlanCommand, ShellCommandIsLeftAloneWithAWarning) {
  json c = C("redis", "redis:7", json::array({"sh", "-c", "redis-server /mine.conf"}));
  CommandPlan plan = PlanCommand(c, ServerFlavor::kRedis);
  EXPECT_FALSE(plan.replace);
  ASSERT_TRUE(plan.warning.has_value());
  EXPECT_NE(plan.warning->find("/etc/redis-cluster/redis.conf"), std::string::npos);
}

TEST(PlanCommand, ShellCommandLoadingOurConfigIsFine) {
  json c = C("redis", "redis:7",
             json::array({"sh", "-c", "exec redis-server /etc/redis-cluster/redis.conf"}));
  EXPECT_FALSE(PlanCommand(c, ServerFlavor::kRedis).warning.has_value());
}

}  // namespace
}  // namespace rc::webhook
