#include "agent/sidecar/static_pod_source.h"

#include <gtest/gtest.h>

namespace rc::agent {
namespace {

TEST(ParsePodSnapshotJson, ReadsPodsAndSortsThemByOrdinal) {
  auto s = ParsePodSnapshotJson(R"({"replicas": 2, "pods": [
      {"name": "redis-1", "ip": "127.50.0.2", "node": "b", "ready": false},
      {"name": "redis-0", "ip": "127.50.0.1", "port": 7000, "node": "a", "zone": "z1"}]})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->spec_replicas, 2);
  ASSERT_EQ(s->pods.size(), 2u);
  EXPECT_EQ(s->pods[0].name, "redis-0");
  EXPECT_EQ(s->pods[0].ordinal, 0);
  EXPECT_EQ(s->pods[0].port, 7000);
  EXPECT_EQ(s->pods[0].zone, "z1");
  EXPECT_TRUE(s->pods[0].ready);
  EXPECT_FALSE(s->pods[1].ready);
  EXPECT_EQ(s->pods[1].Address(), "127.50.0.2:6379");
}

TEST(ParsePodSnapshotJson, NamesWhatIsWrong) {
  EXPECT_NE(ParsePodSnapshotJson("{").status().message().find("not valid"), std::string::npos);
  EXPECT_NE(ParsePodSnapshotJson("{\"pods\": []}").status().message().find("replicas"),
            std::string::npos);
  EXPECT_NE(ParsePodSnapshotJson(R"({"replicas":1,"pods":[{"name":"web"}]})")
                .status()
                .message()
                .find("no ordinal"),
            std::string::npos);
}

TEST(OrdinalOfPodName, TakesTheNumberAfterTheLastDash) {
  EXPECT_EQ(OrdinalOfPodName("redis-cache-12"), 12);
  EXPECT_EQ(OrdinalOfPodName("redis"), -1);
  EXPECT_EQ(OrdinalOfPodName("redis-x"), -1);
}

TEST(StaticPodSource, SaysWhichFileIsMissing) {
  StaticPodSource source("/nonexistent/pods.json");
  auto s = source.Observe();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("/nonexistent/pods.json"), std::string::npos);
}

}  // namespace
}  // namespace rc::agent
