#include "agent/sidecar/run_wiring.h"

#include <cstdlib>

#include "agent/kube/kube_lease.h"
#include "agent/kube/kube_pod_source.h"
#include "agent/sidecar/agent_user_connector.h"
#include "agent/sidecar/file_lease.h"
#include "agent/sidecar/static_pod_source.h"

namespace rc::agent {
namespace {

Result<int> IntFlag(const AgentSettings& s, const std::string& name, int min) {
  const std::string& text = s.extra.at(name);
  try {
    size_t used = 0;
    int v = std::stoi(text, &used);
    if (used == text.size() && v >= min) return v;
  } catch (const std::exception&) {
  }
  return InvalidArgument("--" + name + "='" + text +
                         "' is not a whole number >= " + std::to_string(min));
}

}  // namespace

Result<std::unique_ptr<RunWiring>> BuildRunWiring(const AgentSettings& settings) {
  auto w = std::make_unique<RunWiring>();
  if (settings.pod.pod_name.empty()) return InvalidArgument("POD_NAME / --pod-name is required");
  int ordinal = OrdinalOfPodName(settings.pod.pod_name);
  if (ordinal < 0)
    return InvalidArgument("pod name '" + settings.pod.pod_name + "' does not end in -ORDINAL");
  auto http_port = IntFlag(settings, "http-port", 0);
  auto lease_ms = IntFlag(settings, "lease-duration-ms", 1000);
  auto interval_ms = IntFlag(settings, "loop-interval-ms", 50);
  auto verbosity = IntFlag(settings, "v", 0);
  auto lost_grace_ms = IntFlag(settings, "lost-slots-grace-ms", 0);
  for (const auto* r : {&http_port, &lease_ms, &interval_ms, &verbosity, &lost_grace_ms})
    if (!r->ok()) return r->status();
  w->http_port = *http_port;
  w->http_address = settings.extra.at("http-address");
  w->verbosity = *verbosity;

  w->loop_options.pod_name = settings.pod.pod_name;
  w->loop_options.ordinal = ordinal;
  w->loop_options.desired.replicas_per_master = settings.replicas_per_master;
  w->loop_options.interval = std::chrono::milliseconds(*interval_ms);
  w->loop_options.lease_duration = std::chrono::milliseconds(*lease_ms);
  w->loop_options.lost_slots.grace = std::chrono::milliseconds(*lost_grace_ms);
  w->loop_options.facts = settings.pod;
  w->loop_options.service_account = settings.service_account;
  w->loop_options.conf = settings.conf;
  w->prestop_options.config_dir = settings.config_dir;
  w->prestop_options.pod_name = settings.pod.pod_name;
  w->prestop_options.replicas_per_master = settings.replicas_per_master;

  RedisOptions redis;
  redis.connect_timeout_ms = 1000;
  redis.command_timeout_ms = 5000;
  redis.password = settings.conf.password;
  if (!settings.conf.tls_dir.empty()) {
    // The pod's own certificate doubles as the agent's client certificate
    // (servers with tls-auth-clients yes); peers are dialled by IP, so the
    // chain is verified against the CA, not a name.
    TlsFiles files;
    files.ca_file = TlsCaFile(settings.conf.tls_dir);
    files.cert_file = TlsCertFile(settings.conf.tls_dir);
    files.key_file = TlsKeyFile(settings.conf.tls_dir);
    auto tls = TlsContext::Create(files);
    if (!tls.ok()) return tls.status().WithContext("--tls-dir");
    redis.tls = *tls;
    w->loop_options.tls = *tls;
  }
  if (redis.password.empty()) {
    w->connector = std::make_unique<HiredisConnector>(redis);
    w->prestop_connector = std::make_unique<HiredisConnector>(redis);
  } else {
    w->connector = std::make_unique<AgentUserConnector>(redis);
    w->prestop_connector = std::make_unique<AgentUserConnector>(redis);
  }
  engine::EngineOptions engine_options;
  // MIGRATE's own connection from the source to the target authenticates as
  // the default user: Redis 5 has no AUTH2, and a node an older agent started
  // has no agent user. It sends only RESTORE-ASKING.
  engine_options.password = settings.conf.password;
  if (settings.fast_migration) engine::MakeFast(&engine_options);
  w->engine = std::make_unique<engine::MigrationEngine>(*w->connector, engine_options);
  w->events = std::make_unique<NoEventRecorder>();

  std::string discovery = settings.extra.at("discovery");
  if (discovery == "auto") discovery = std::getenv("KUBERNETES_SERVICE_HOST") ? "kube" : "static";
  if (discovery == "static") {
    std::string file = settings.extra.at("static-pods");
    if (file.empty()) return InvalidArgument("--discovery=static needs --static-pods FILE");
    w->pods = std::make_unique<StaticPodSource>(file);
    w->prestop_pods = std::make_unique<StaticPodSource>(file);
    std::string lease_file = settings.extra.at("lease-file");
    if (lease_file.empty()) lease_file = file + ".lease";
    w->lease = std::make_unique<FileLease>(lease_file, w->loop_options.lease_duration);
    w->discovery_name = "static file " + file + " (lease file " + lease_file + ")";
    return w;
  }
  if (discovery == "kube") {
    auto config = LoadInClusterConfig();
    if (!config.ok())
      return config.status().WithContext("--discovery=kube needs the in-cluster configuration");
    KubeDiscoveryOptions kube;
    kube.namespace_name =
        settings.pod.namespace_name.empty() ? config->namespace_name : settings.pod.namespace_name;
    kube.statefulset_name = settings.statefulset_name;
    if (kube.statefulset_name.empty())
      kube.statefulset_name = settings.pod.pod_name.substr(0, settings.pod.pod_name.rfind('-'));
    kube.service_name = settings.pod.service_name;
    kube.service_account = settings.service_account;
    kube.cluster_domain = settings.pod.cluster_domain;
    kube.redis_port = settings.conf.port;
    w->kube = MakeHttpsKubeClient(*config);
    w->prestop_kube = MakeHttpsKubeClient(*config);
    auto answered = std::make_shared<std::atomic<bool>>(false);
    auto source = std::make_unique<KubePodSource>(*w->kube, kube, SystemResolver(), answered);
    KubePodSource* raw = source.get();
    StatefulSetGetter sts = [raw] { return raw->statefulset(); };
    w->pods = std::move(source);
    w->prestop_pods =
        std::make_unique<KubePodSource>(*w->prestop_kube, kube, SystemResolver(), answered);
    auto lease_seconds = std::chrono::seconds(std::max(1, *lease_ms / 1000));
    w->lease = std::make_unique<KubeLease>(*w->kube, kube.namespace_name,
                                           kube.statefulset_name + "-coordinator", lease_seconds);
    w->events = std::make_unique<KubeEventRecorder>(*w->kube, kube.namespace_name,
                                                    settings.pod.pod_name, sts);
    w->chores = std::make_unique<SeedObjectsKeeper>(*w->kube, kube.namespace_name,
                                                    kube.service_name, sts, *w->events);
    w->status = std::make_unique<StatusAnnotation>(*w->kube, kube.namespace_name, sts);
    w->discovery_name = "kubernetes API (StatefulSet " + kube.namespace_name + "/" +
                        kube.statefulset_name + ", Lease " + kube.statefulset_name +
                        "-coordinator)";
    return w;
  }
  return InvalidArgument("--discovery='" + discovery + "': use kube, static or auto");
}

}  // namespace rc::agent
