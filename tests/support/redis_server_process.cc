#include "tests/support/redis_server_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/redis_client.h"
#include "tests/support/redis_server_binary.h"
#include "tests/support/wait_for.h"

namespace rc::testing {

RedisServerProcess::RedisServerProcess(RedisServerOptions options) : options_(std::move(options)) {
  if (options_.dir.empty()) {
    char tmpl[] = "/tmp/rc-redis-XXXXXX";
    char* dir = mkdtemp(tmpl);
    options_.dir = dir ? dir : "/tmp";
    own_dir_ = dir != nullptr;
  }
}

RedisServerProcess::~RedisServerProcess() {
  Kill(SIGKILL);
  // RC_KEEP_TEST_DIRS=1 keeps each server's directory (redis.log, nodes.conf)
  // for a look after a failed run.
  const char* keep = std::getenv("RC_KEEP_TEST_DIRS");
  if (own_dir_ && keep != nullptr && *keep != '\0') {
    std::fprintf(stderr, "kept %s (RC_KEEP_TEST_DIRS)\n", options_.dir.c_str());
  } else if (own_dir_) {
    std::error_code ec;
    std::filesystem::remove_all(options_.dir, ec);
  }
}

bool RedisServerProcess::Start(std::string* error) {
  std::filesystem::create_directories(options_.dir);
  std::string conf = options_.dir + "/redis.conf";
  {
    std::ofstream out(conf);
    out << "bind " << options_.ip << "\n";
    if (options_.tls) {
      out << "port 0\ntls-port " << options_.port << "\n"
          << "tls-cert-file " << options_.tls->cert_file << "\n"
          << "tls-key-file " << options_.tls->key_file << "\n"
          << "tls-ca-cert-file " << options_.tls->ca_file << "\n"
          << "tls-auth-clients " << options_.tls->auth_clients << "\n"
          << "tls-cluster yes\ntls-replication yes\n";
    } else {
      out << "port " << options_.port << "\n";
    }
    out << "dir " << options_.dir << "\n"
        << "daemonize no\nsave \"\"\nappendonly no\nprotected-mode no\n"
        << "logfile " << options_.dir << "/redis.log\n";
    // RC_REDIS_LOGLEVEL=verbose (or debug) for a closer look, e.g. at epoch collisions.
    if (const char* level = std::getenv("RC_REDIS_LOGLEVEL"); level != nullptr && *level != '\0')
      out << "loglevel " << level << "\n";
    if (options_.cluster) {
      out << "cluster-enabled yes\n"
          << "cluster-config-file nodes.conf\n"
          << "cluster-node-timeout " << options_.node_timeout_ms << "\n"
          << "cluster-announce-ip " << options_.ip << "\n";
      // Younger directives: an older server refuses to start on an unknown one.
      if (TestServer().AtLeast(7, 0)) out << "bind-source-addr " << options_.ip << "\n";
      if (TestServer().AtLeast(6, 2)) out << "cluster-allow-replica-migration no\n";
    }
    if (!options_.password.empty())
      out << "requirepass " << options_.password << "\nmasterauth " << options_.password << "\n";
    for (const auto& line : options_.extra) out << line << "\n";
  }
  const std::string binary = RedisServerBinary();
  pid_t pid = fork();
  if (pid < 0) {
    *error = "fork failed";
    return false;
  }
  if (pid == 0) {
    execlp(binary.c_str(), binary.c_str(), conf.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  pid_ = pid;
  RedisOptions ro;
  ro.host = options_.ip;
  ro.port = options_.port;
  ro.password = options_.password;
  ro.connect_timeout_ms = 200;
  if (options_.tls) ro.tls = options_.tls->client;
  bool up = WaitFor(
      [&] {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          return true;  // exited: stop waiting, reported below
        }
        auto client = ConnectRedis(ro);
        if (!client.ok()) return false;
        auto pong = (*client)->Command({"PING"});
        return pong.ok() && !pong->IsError();
      },
      std::chrono::seconds(10));
  if (!up || pid_ < 0) {
    *error = binary + " on " + address() + " did not start; see " + options_.dir + "/redis.log";
    return false;
  }
  return true;
}

void RedisServerProcess::Kill(int signal) {
  if (pid_ <= 0) return;
  if (signal != SIGKILL && signal != SIGTERM) {
    // Only SIGKILL/SIGTERM end the process; waiting for any other signal would hang.
    ::kill(pid_, signal);
    return;
  }
  ::kill(pid_, SIGCONT);  // a stopped server must run to act on SIGTERM
  ::kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void RedisServerProcess::Stop(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

std::string LoopbackAddress(int suite, int index) {
  return "127." + std::to_string(suite) + "." + std::to_string(index / 250) + "." +
         std::to_string(index % 250 + 1);
}

}  // namespace rc::testing
