#include "agent/sidecar/run_wiring.h"

#include <cstdlib>

#include "agent/kube/kube_lease.h"
#include "agent/kube/kube_pod_source.h"
#include "agent/sidecar/agent_user_connector.h"
#include "agent/sidecar/file_lease.h"
#include "agent/sidecar/static_pod_source.h"

namespace rc::agent {
namespace {

// kInvalidArgument naming the flag when `value` is below `min`.
Status AtLeast(const char* flag, int value, int min) {
  if (value >= min) return Status::Ok();
  return InvalidArgument(std::string("--") + flag + "=" + std::to_string(value) +
                         " is below its minimum " + std::to_string(min));
}

}  // namespace

void RunFlags::Register(FlagParser& parser) {
  parser.AddInt("http-port", &http_port,
                "port of /healthz, /readyz and /metrics (default 8479; 0 picks one)");
  parser.AddString("http-address", &http_address, "address they listen on (default 0.0.0.0)",
                   "ADDRESS");
  parser.AddString("discovery", &discovery,
                   "kube, static or auto (default: kube inside a pod, else static)", "WAY");
  parser.AddString("static-pods", &static_pods, "JSON pod list for --discovery=static", "FILE");
  parser.AddString("lease-file", &lease_file,
                   "coordinator lease file for static discovery (default: STATIC_PODS.lease)",
                   "FILE");
  parser.AddInt("lease-duration-ms", &lease_duration_ms,
                "coordinator lease duration (default 15000, at least 1000)");
  parser.AddInt("loop-interval-ms", &loop_interval_ms,
                "time between loops when nothing changes (default 1000, at least 50)");
  parser.AddInt("lost-slots-grace-ms", &lost_slots_grace_ms,
                "how long slots may be lost before the log says what to run (default 60000)");
  parser.AddInt("v", &verbosity, "log verbosity (default 0)");
}

Result<std::unique_ptr<RunWiring>> BuildRunWiring(const AgentSettings& settings,
                                                  const RunFlags& flags) {
  auto w = std::make_unique<RunWiring>();
  if (settings.pod.pod_name.empty()) return InvalidArgument("POD_NAME / --pod-name is required");
  int ordinal = OrdinalOfPodName(settings.pod.pod_name);
  if (ordinal < 0)
    return InvalidArgument("pod name '" + settings.pod.pod_name + "' does not end in -ORDINAL");
  for (const Status& s :
       {AtLeast("http-port", flags.http_port, 0),
        AtLeast("lease-duration-ms", flags.lease_duration_ms, 1000),
        AtLeast("loop-interval-ms", flags.loop_interval_ms, 50), AtLeast("v", flags.verbosity, 0),
        AtLeast("lost-slots-grace-ms", flags.lost_slots_grace_ms, 0)})
    if (!s.ok()) return s;
  w->http_port = flags.http_port;
  w->http_address = flags.http_address;
  w->verbosity = flags.verbosity;

  w->loop_options.pod_name = settings.pod.pod_name;
  w->loop_options.ordinal = ordinal;
  w->loop_options.desired.replicas_per_master = settings.replicas_per_master;
  w->loop_options.interval = std::chrono::milliseconds(flags.loop_interval_ms);
  w->loop_options.lease_duration = std::chrono::milliseconds(flags.lease_duration_ms);
  w->loop_options.lost_slots.grace = std::chrono::milliseconds(flags.lost_slots_grace_ms);
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

  std::string discovery = flags.discovery;
  if (discovery == "auto") discovery = std::getenv("KUBERNETES_SERVICE_HOST") ? "kube" : "static";
  if (discovery == "static") {
    const std::string& file = flags.static_pods;
    if (file.empty()) return InvalidArgument("--discovery=static needs --static-pods FILE");
    w->pods = std::make_unique<StaticPodSource>(file);
    w->prestop_pods = std::make_unique<StaticPodSource>(file);
    std::string lease_file = flags.lease_file;
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
    auto lease_seconds = std::chrono::seconds(std::max(1, flags.lease_duration_ms / 1000));
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
