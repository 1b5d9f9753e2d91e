// ParseClusterPolicy: every annotation's accepted values and its denials.
#include "webhook/cluster_policy.h"

#include <gtest/gtest.h>

namespace rc::webhook {
namespace {

using nlohmann::json;

json Annotation(const std::string& key, const std::string& value) {
  return {{"redis-cluster.io/" + key, value}};
}

TEST(ClusterPolicy, DefaultsWhenNoAnnotations) {
  auto policy = ParseClusterPolicy(json());
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(policy->replicas_per_master, 1);
  EXPECT_EQ(policy->anti_affinity, AntiAffinity::kPreferred);
  EXPECT_EQ(policy->node_timeout_ms, 5000);
  EXPECT_FALSE(policy->password_secret.has_value());
  EXPECT_FALSE(policy->extra_config.has_value());
  EXPECT_EQ(policy->MinimumReplicas(), 6);
}

TEST(ClusterPolicy, IgnoresAnnotationsOfOtherPrefixes) {
  auto policy = ParseClusterPolicy(
      {{"example.com/replicas-per-master", "9"}, {"other.redis-cluster.io/x", "y"}});
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
}

TEST(ClusterPolicy, TheAgentsStatusAnnotationIsAcceptedWhateverItSays) {
  // The coordinating agent writes it; denying it would refuse the agent's PATCH.
  auto policy = ParseClusterPolicy(
      Annotation("status", "masters=3 replicas=3 slots=16384/16384 balanced=yes"));
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->replicas_per_master, 1);
}

struct Case {
  std::string key;
  std::string value;
  bool ok;
  std::string message_part;  // for denials: must appear in the message
};

class ClusterPolicyTable : public ::testing::TestWithParam<Case> {};

TEST_P(ClusterPolicyTable, AcceptsOrDeniesNamingTheAnnotation) {
  const Case& c = GetParam();
  auto policy = ParseClusterPolicy(Annotation(c.key, c.value));
  EXPECT_EQ(policy.ok(), c.ok) << c.key << "=" << c.value;
  if (!c.ok) {
    EXPECT_NE(policy.status().message().find("redis-cluster.io/" + c.key), std::string::npos)
        << policy.status().message();
    EXPECT_NE(policy.status().message().find(c.message_part), std::string::npos)
        << policy.status().message();
    EXPECT_EQ(policy.status().message().find('\n'), std::string::npos) << "one line";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Values, ClusterPolicyTable,
    ::testing::Values(
        Case{"replicas-per-master", "0", true, ""}, Case{"replicas-per-master", "5", true, ""},
        Case{"replicas-per-master", "6", false, "from 0 to 5"},
        Case{"replicas-per-master", "-1", false, "from 0 to 5"},
        Case{"replicas-per-master", "1.5", false, "integer"},
        Case{"replicas-per-master", "", false, "integer"},
        Case{"replicas-per-master", "99999999999", false, "integer"},
        Case{"node-timeout-ms", "1000", true, ""}, Case{"node-timeout-ms", "60000", true, ""},
        Case{"node-timeout-ms", "999", false, "from 1000 to 60000"},
        Case{"node-timeout-ms", "60001", false, "from 1000 to 60000"},
        Case{"anti-affinity", "preferred", true, ""}, Case{"anti-affinity", "required", true, ""},
        Case{"anti-affinity", "none", true, ""},
        Case{"anti-affinity", "Required", false, "preferred (default), required, none"},
        Case{"password-secret", "redis-auth", true, ""},
        Case{"password-secret", "redis.auth-2", true, ""},
        Case{"password-secret", "-redis", false, "Secret name"},
        Case{"password-secret", "Redis", false, "Secret name"},
        Case{"password-secret", "", false, "Secret name"},
        Case{"config", "maxmemory 1gb", true, ""},
        Case{"config", "maxmemory 1gb\n\n# a comment\nsave \"\"\n", true, ""},
        Case{"config", "", false, "no directive"},
        Case{"config", "maxmemory", false, "directive value"},
        Case{"config", "1maxmemory 1gb", false, "directive value"},
        Case{"config", "maxmemory 1gb\x01", false, "control character"},
        Case{"config", "cluster-enabled no", false, "cluster-enabled"},
        Case{"config", "cluster-announce-ip 1.2.3.4", false, "cluster-announce-ip"},
        Case{"config", "REQUIREPASS x", false, "requirepass"},
        Case{"config", "bind 0.0.0.0", false, "bind"}, Case{"config", "dir /tmp", false, "dir"},
        Case{"config", "protected-mode no", false, "protected-mode"}));

TEST(ClusterPolicy, ConfigIsNormalisedForTheAgent) {
  auto policy = ParseClusterPolicy(
      Annotation("config", "  maxmemory 1gb  \r\n\n# x\nmaxmemory-policy allkeys-lru\n"));
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(*policy->extra_config, "maxmemory 1gb\nmaxmemory-policy allkeys-lru");
}

TEST(ClusterPolicy, UnknownAnnotationIsDeniedListingTheKnownOnes) {
  auto policy = ParseClusterPolicy(Annotation("replicas", "2"));
  ASSERT_FALSE(policy.ok());
  EXPECT_NE(policy.status().message().find("redis-cluster.io/replicas\""), std::string::npos);
  EXPECT_NE(policy.status().message().find("redis-cluster.io/replicas-per-master"),
            std::string::npos);
}

TEST(ClusterPolicy, MinimumReplicasFollowsReplicasPerMaster) {
  ClusterPolicy policy;
  policy.replicas_per_master = 0;
  EXPECT_EQ(policy.MinimumReplicas(), 3);
  policy.replicas_per_master = 2;
  EXPECT_EQ(policy.MinimumReplicas(), 9);
}

}  // namespace
}  // namespace rc::webhook
