// The agent's /metrics text: Prometheus names, and cluster-wide gauges only
// from the coordinator (others must not say "not balanced").
#include "agent/sidecar/agent_metrics.h"

#include <gtest/gtest.h>

namespace rc::agent {
namespace {

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(AgentMetrics, EveryPodExportsItsOwnStateAndBuildInfo) {
  AgentMetrics m;
  m.SetRedisUp(true);
  m.LoopDone(true);
  std::string text = m.Render();
  EXPECT_TRUE(Has(text, "redis_cluster_agent_build_info{version=\"" RC_VERSION "\"} 1\n"));
  EXPECT_TRUE(Has(text, "\nredis_cluster_agent_coordinator 0\n"));
  EXPECT_TRUE(Has(text, "\nredis_cluster_agent_redis_up 1\n"));
  EXPECT_TRUE(Has(text, "\nredis_cluster_agent_loops_total 1\n"));
  EXPECT_TRUE(Has(text, "# TYPE redis_cluster_agent_loops_total counter\n"));
}

TEST(AgentMetrics, ANonCoordinatorOmitsTheClusterWideGauges) {
  AgentMetrics m;
  m.SetCoordinator(false);
  m.SetCluster(3, 6, false);  // e.g. left over from when it coordinated
  std::string text = m.Render();
  for (const char* name :
       {"redis_cluster_agent_cluster_balanced", "redis_cluster_agent_cluster_masters",
        "redis_cluster_agent_cluster_nodes", "redis_cluster_agent_cluster_lost_slots",
        "redis_cluster_agent_migration_progress_ratio", "redis_cluster_agent_migration_running"})
    EXPECT_FALSE(Has(text, name)) << name << " in\n" << text;
}

TEST(AgentMetrics, TheCoordinatorExportsThemOnceItHasLookedAtTheCluster) {
  AgentMetrics m;
  m.SetCoordinator(true);
  EXPECT_FALSE(Has(m.Render(), "redis_cluster_agent_cluster_balanced")) << "no view yet: no guess";
  m.SetCluster(4, 8, true);
  m.SetLostSlots(0);
  m.SetMigrationRunning(true);
  m.SetMigrationProgress(0.25);
  std::string text = m.Render();
  EXPECT_TRUE(Has(text, "\nredis_cluster_agent_cluster_balanced 1\n"));
  EXPECT_TRUE(Has(text, "\nredis_cluster_agent_cluster_masters 4\n"));
  EXPECT_TRUE(Has(text, "\nredis_cluster_agent_cluster_nodes 8\n"));
  EXPECT_TRUE(Has(text, "\nredis_cluster_agent_cluster_lost_slots 0\n"));
  EXPECT_TRUE(Has(text, "\nredis_cluster_agent_migration_running 1\n"));
  EXPECT_TRUE(Has(text, "\nredis_cluster_agent_migration_progress_ratio 0.250000\n"));
  m.SetCoordinator(false);
  m.SetCoordinator(true);
  EXPECT_FALSE(Has(m.Render(), "redis_cluster_agent_cluster_balanced"))
      << "coordinating again starts without the old view";
}

TEST(AgentMetrics, AMigrationStartsItsProgressAtZero) {
  AgentMetrics m;
  m.SetCoordinator(true);
  m.SetCluster(3, 6, false);
  m.SetMigrationProgress(1.0);
  m.SetMigrationRunning(true);
  EXPECT_TRUE(Has(m.Render(), "\nredis_cluster_agent_migration_progress_ratio 0.000000\n"));
}

}  // namespace
}  // namespace rc::agent
