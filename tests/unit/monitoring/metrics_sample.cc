// Prints the /metrics text of the agent or the webhook, rendered by the same
// code the servers call (AgentMetrics::Render, webhook Metrics::Render), with
// every family populated, for `promtool check metrics` (promtool_test.py).
//   metrics_sample agent-coordinator | agent-follower | webhook
#include <cstdio>
#include <cstring>
#include <string>

#include "agent/sidecar/agent_metrics.h"
#include "webhook/metrics.h"

namespace {

std::string Agent(bool coordinator) {
  rc::agent::AgentMetrics m;
  m.LoopDone(true);
  m.LoopDone(false);
  m.SetRedisUp(true);
  m.SetCoordinator(coordinator);
  if (coordinator) {
    m.SetCluster(4, 8, false);
    m.SetLostSlots(0);
    m.SetMigrationRunning(true);
    m.SetMigrationProgress(0.5);
    m.ActionDone("rebalance", true);
    m.ActionDone("meet", false);
    m.Moved(4096, 5000);
  }
  return m.Render();
}

std::string Webhook() {
  rc::webhook::Metrics m;
  m.ObserveAdmission("patched", 0.0004, 12);
  m.ObserveAdmission("denied", 0.02, 0);
  m.ObserveCertReload(true);
  m.SetCertificateNotAfter(1796637600);
  return m.Render();
}

}  // namespace

int main(int argc, char** argv) {
  std::string which = argc == 2 ? argv[1] : "";
  std::string text;
  if (which == "agent-coordinator") {
    text = Agent(true);
  } else if (which == "agent-follower") {
    text = Agent(false);
  } else if (which == "webhook") {
    text = Webhook();
  } else {
    std::fprintf(stderr, "usage: metrics_sample agent-coordinator|agent-follower|webhook\n");
    return 2;
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}
