// redis-cluster-webhook: flags -> ServerOptions -> WebhookServer. Exit codes:
// 0 after a clean shutdown (SIGTERM/SIGINT), 1 on failure, 2 on bad usage.
#include <gflags/gflags.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "common/log.h"
#include "webhook/server.h"
#include "webhook/version.h"

DEFINE_int32(port, 8443, "HTTPS port to listen on");
DEFINE_string(bind_address, "0.0.0.0", "address to listen on");
DEFINE_string(tls_cert_file, "", "PEM certificate (chain) served; re-read when it changes");
DEFINE_string(tls_key_file, "", "PEM private key of the certificate; re-read when it changes");
DEFINE_string(agent_image, "redis-cluster-agent:0.1.0",
              "image of the injected init container and agent sidecar");
DEFINE_string(
    sidecar_mode, "native",
    "native: the agent is an init container with restartPolicy Always (Kubernetes >= 1.29); "
    "classic: a regular container, for older clusters");
DEFINE_int32(worker_threads, 64,
             "request worker threads; each open kept-alive connection holds one");
DEFINE_int32(event_threads, 0, "deprecated, ignored (the former event-loop server's)");
DEFINE_int32(max_body_bytes, 3 * 1024 * 1024,
             "largest accepted AdmissionReview body; larger ones get 413");
DEFINE_int32(cert_check_interval_ms, 5000,
             "how often the certificate files are checked for changes");
DEFINE_int32(v, 0, "log verbosity (2 logs every probe and scrape)");

namespace {

constexpr const char* kOurFlags[] = {"port",
                                     "bind_address",
                                     "tls_cert_file",
                                     "tls_key_file",
                                     "agent_image",
                                     "sidecar_mode",
                                     "worker_threads",
                                     "event_threads",
                                     "max_body_bytes",
                                     "cert_check_interval_ms",
                                     "v"};

void PrintUsage(FILE* out) {
  std::fprintf(out,
               "redis-cluster-webhook: the mutating admission webhook that turns a StatefulSet\n"
               "labelled redis-cluster=managed into a Redis Cluster StatefulSet.\n\n"
               "usage: redis-cluster-webhook --tls-cert-file=FILE --tls-key-file=FILE [flags]\n\n"
               "flags (dashes or underscores):\n");
  for (const char* name : kOurFlags) {
    gflags::CommandLineFlagInfo info;
    gflags::GetCommandLineFlagInfo(name, &info);
    std::string dashed = info.name;
    for (char& c : dashed) c = c == '_' ? '-' : c;
    std::fprintf(out, "  --%-24s %s (default: %s)\n", dashed.c_str(), info.description.c_str(),
                 info.default_value.empty() ? "\"\"" : info.default_value.c_str());
  }
  std::fprintf(out, "  --%-24s %s\n  --%-24s %s\n", "help", "show this help", "version",
               "print the version");
}

[[noreturn]] void UsageError(const std::string& message) {
  std::fprintf(stderr, "redis-cluster-webhook: %s\n(see --help)\n", message.c_str());
  std::exit(2);
}

// Parses argv with gflags' registry but our own exit codes (gflags exits 1 on
// a bad flag; bad usage is 2 here).
void ParseFlagsOrExit(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "-help") {
      PrintUsage(stdout);
      std::exit(0);
    }
    if (arg == "--version" || arg == "-version") {
      std::printf("redis-cluster-webhook %s\n", rc::webhook::Version());
      std::exit(0);
    }
    if (arg.size() < 2 || arg[0] != '-') UsageError("unexpected argument \"" + arg + "\"");
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string name = body.substr(0, body.find('='));
    for (char& c : name) c = c == '-' ? '_' : c;
    gflags::CommandLineFlagInfo info;
    bool known = false;
    for (const char* ours : kOurFlags) known = known || name == ours;
    if (!known || !gflags::GetCommandLineFlagInfo(name.c_str(), &info)) {
      UsageError("unknown flag \"" + arg + "\"");
    }
    std::string value;
    if (body.find('=') != std::string::npos) {
      value = body.substr(body.find('=') + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      UsageError("flag " + arg + " needs a value");
    }
    if (gflags::SetCommandLineOption(name.c_str(), value.c_str()).empty()) {
      UsageError("bad value \"" + value + "\" for --" + body.substr(0, body.find('=')) + " (want " +
                 info.type + ")");
    }
  }
}

rc::webhook::ServerOptions OptionsFromFlags() {
  rc::webhook::ServerOptions options;
  if (FLAGS_tls_cert_file.empty() || FLAGS_tls_key_file.empty()) {
    UsageError("--tls-cert-file and --tls-key-file are required (HTTPS only)");
  }
  if (FLAGS_port < 0 || FLAGS_port > 65535) UsageError("--port must be 0..65535");
  if (FLAGS_worker_threads < 1 || FLAGS_worker_threads > 4096)
    UsageError("--worker-threads must be 1..4096");
  if (FLAGS_max_body_bytes < 1024) UsageError("--max-body-bytes must be at least 1024");
  if (FLAGS_cert_check_interval_ms < 10) UsageError("--cert-check-interval-ms must be at least 10");
  if (FLAGS_agent_image.empty()) UsageError("--agent-image must not be empty");
  if (FLAGS_agent_image.find("$(") != std::string::npos) {
    // deploy/ passes --agent-image=$(REDIS_CLUSTER_AGENT_IMAGE); the kubelet leaves $(NAME) as
    // is when the container has no env NAME, and that must not reach a pod as its image.
    UsageError("--agent-image is \"" + FLAGS_agent_image +
               "\": an unexpanded $(VARIABLE); define that env var in the container");
  }
  if (FLAGS_sidecar_mode == "native") {
    options.injection.sidecar_mode = rc::webhook::SidecarMode::kNative;
  } else if (FLAGS_sidecar_mode == "classic") {
    options.injection.sidecar_mode = rc::webhook::SidecarMode::kClassic;
  } else {
    UsageError("--sidecar-mode is \"" + FLAGS_sidecar_mode + "\"; want native or classic");
  }
  options.port = FLAGS_port;
  options.bind_address = FLAGS_bind_address;
  options.tls_cert_file = FLAGS_tls_cert_file;
  options.tls_key_file = FLAGS_tls_key_file;
  options.injection.agent_image = FLAGS_agent_image;
  options.worker_threads = FLAGS_worker_threads;
  options.max_body_bytes = static_cast<size_t>(FLAGS_max_body_bytes);
  options.cert_check_interval = std::chrono::milliseconds(FLAGS_cert_check_interval_ms);
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  ParseFlagsOrExit(argc, argv);
  rc::log::SetVerbosity(FLAGS_v);
  rc::webhook::ServerOptions options = OptionsFromFlags();
  if (!gflags::GetCommandLineFlagInfoOrDie("event_threads").is_default) {
    RC_LOG_WARNING << "--event-threads is deprecated and has no effect; the pool of "
                   << options.worker_threads << " worker threads (--worker-threads) serves";
  }

  // SIGTERM/SIGINT are taken by one thread with sigwait(); block them everywhere else.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto server = rc::webhook::WebhookServer::Create(options);
  if (!server.ok()) {
    RC_LOG_ERROR << "cannot start: " << server.status().message();
    return 1;
  }
  auto port = (*server)->Bind();
  if (!port.ok()) {
    RC_LOG_ERROR << "cannot start: " << port.status().message();
    return 1;
  }
  std::thread signal_waiter([&signals, srv = server->get()] {
    int received = 0;
    sigwait(&signals, &received);
    RC_LOG_INFO << "received " << (received == SIGTERM ? "SIGTERM" : "SIGINT")
                << ": finishing in-flight requests, then exiting";
    srv->Stop();
  });
  RC_LOG_INFO << "redis-cluster-webhook " << rc::webhook::Version() << " serving HTTPS on "
              << options.bind_address << ":" << *port << " (agent image "
              << options.injection.agent_image << ", sidecar mode " << FLAGS_sidecar_mode << ")";
  rc::Status status = (*server)->Serve();
  if (!status.ok()) {
    RC_LOG_ERROR << status.message();
    pthread_kill(signal_waiter.native_handle(), SIGTERM);
    signal_waiter.join();
    return 1;
  }
  signal_waiter.join();
  RC_LOG_INFO << "stopped cleanly";
  return 0;
}
