// `redis-cluster-agent run`: the sidecar. Flags (or the webhook's env) ->
// options -> discovery, lease, health server, preStop watcher and the
// reconcile loop. Exit 0 on SIGTERM/SIGINT, 1 on failure, 2 on bad usage.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "agent/cli/commands.h"
#include "agent/config/agent_settings.h"
#include "agent/reconcile/coordinator_lease.h"
#include "agent/sidecar/health_server.h"
#include "agent/sidecar/prestop_handshake.h"
#include "agent/sidecar/reconcile_loop.h"
#include "agent/sidecar/run_wiring.h"
#include "agent/sidecar/static_pod_source.h"
#include "common/log.h"

namespace rc::agent {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

}  // namespace

int RunCommand(int argc, char** argv) {
  RunFlags flags;
  auto settings = ParseAgentSettings(
      argc, argv, [](const char* n) { return std::getenv(n); },
      [&flags](FlagParser& parser) { flags.Register(parser); });
  if (!settings.ok()) {
    if (settings.status().code() == ErrorCode::kFailedPrecondition) {
      std::fputs(settings.status().message().c_str(), stdout);  // the usage text
      return 0;
    }
    std::fprintf(stderr, "redis-cluster-agent run: %s\n", settings.status().message().c_str());
    return 2;
  }
  log::RegisterSecret(settings->conf.password);
  auto wiring = BuildRunWiring(*settings, flags);
  if (!wiring.ok()) {
    std::fprintf(stderr, "redis-cluster-agent run: %s\n", wiring.status().message().c_str());
    return wiring.status().code() == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  RunWiring& w = **wiring;
  log::SetVerbosity(w.verbosity);

  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);

  HealthServer health(w.metrics, w.readiness, std::chrono::seconds(120));
  Status listening = health.Start(w.http_address, w.http_port);
  if (!listening.ok()) {
    RC_LOG_ERROR << listening.message();
    return 1;
  }
  RC_LOG_INFO << "redis-cluster-agent " << RC_VERSION << " runs for pod " << w.loop_options.pod_name
              << " (" << settings->pod.pod_ip << ", ordinal " << w.loop_options.ordinal
              << "); discovery: " << w.discovery_name << "; health on " << w.http_address << ":"
              << health.port() << "; " << w.loop_options.desired.replicas_per_master
              << " replica(s) per master; slots move "
              << (settings->fast_migration ? "fast (migration-speed=fast)" : "gently")
              << "; redis over "
              << (settings->conf.tls_dir.empty() ? "plain text"
                                                 : "TLS (files in " + settings->conf.tls_dir + ")");

  std::thread prestop([&] {
    PrestopHandshake handshake(w.prestop_options, *w.prestop_pods, *w.prestop_connector);
    while (!g_stop) {
      if (handshake.Requested() && !handshake.Answered()) handshake.Handle(g_stop);
      std::this_thread::sleep_for(w.prestop_options.poll);
    }
  });
  // On SIGTERM a running migration stops at its next safe point (the next
  // coordinator closes what is left open).
  std::thread stopper([&] {
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    w.engine->RequestStop();
  });
  ReconcileLoop loop(w.loop_options, *w.pods, *w.lease, *w.connector, *w.engine, *w.events,
                     w.metrics, w.readiness);
  loop.set_chores(w.chores.get());
  loop.set_status(w.status.get());
  loop.Run(g_stop);
  prestop.join();
  stopper.join();
  health.Stop();
  RC_LOG_INFO << "redis-cluster-agent stops (signal)";
  return 0;
}

}  // namespace rc::agent
