// The injected readiness probe: the agent's /readyz, never a user's probe replaced.
#include <gtest/gtest.h>

#include "webhook/injection_options.h"
#include "webhook/redis_container_injection.h"

namespace rc::webhook {
namespace {

using nlohmann::json;

const json kAgentProbe = {{"httpGet", {{"path", "/readyz"}, {"port", kAgentHttpPort}}},
                          {"periodSeconds", 5}};

TEST(ReadinessProbe, AContainerWithoutOneGetsTheAgentsReadyz) {
  json c = {{"name", "redis"}};
  EnsureReadinessProbe(c);
  EXPECT_EQ(c["readinessProbe"], kAgentProbe);
}

TEST(ReadinessProbe, TheTcpProbeOfEarlierVersionsIsUpgraded) {
  json c = {{"name", "redis"},
            {"readinessProbe", {{"tcpSocket", {{"port", 6379}}}, {"periodSeconds", 5}}}};
  EnsureReadinessProbe(c);
  EXPECT_EQ(c["readinessProbe"], kAgentProbe);
}

TEST(ReadinessProbe, TheReadyzProbeOnTheFormerAgentPortMovesToTheNewPort) {
  json c = {{"name", "redis"},
            {"readinessProbe",
             {{"httpGet", {{"path", "/readyz"}, {"port", 9121}}}, {"periodSeconds", 5}}}};
  EnsureReadinessProbe(c);
  EXPECT_EQ(c["readinessProbe"], kAgentProbe);
}

TEST(ReadinessProbe, AUsersOwnProbeStays) {
  const json own = {{"tcpSocket", {{"port", 6379}}}, {"periodSeconds", 2}};
  json c = {{"name", "redis"}, {"readinessProbe", own}};
  EnsureReadinessProbe(c);
  EXPECT_EQ(c["readinessProbe"], own);
}

}  // namespace
}  // namespace rc::webhook
