// A real redis-server started by a test on its own loopback address (like a
// pod with its own IP), stopped by its pid when the object goes away.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/tls_context.h"

namespace rc::testing {

// A TLS-only server: `port` is its tls-port (plain port 0), and the cluster
// bus and replication use TLS too.
struct ServerTls {
  std::string ca_file, cert_file, key_file;
  std::string auth_clients = "no";  // tls-auth-clients: no, optional, yes
  // How the test itself connects (to see the server answer PING).
  std::shared_ptr<TlsContext> client;
};

struct RedisServerOptions {
  std::string ip = "127.0.0.1";  // each node of a test gets its own 127.x.y.z
  int port = 6379;
  bool cluster = true;   // cluster-enabled yes
  std::string password;  // requirepass + masterauth
  int node_timeout_ms = 2000;
  std::string dir;                 // data dir; empty: a fresh temporary dir
  std::vector<std::string> extra;  // more "directive value" lines
  std::optional<ServerTls> tls;    // TLS only
};

class RedisServerProcess {
 public:
  explicit RedisServerProcess(RedisServerOptions options);
  ~RedisServerProcess();
  RedisServerProcess(const RedisServerProcess&) = delete;
  RedisServerProcess& operator=(const RedisServerProcess&) = delete;

  // Starts the server and waits (with a deadline) until it answers PING.
  // Returns false with a message on failure.
  bool Start(std::string* error);
  void Kill(
      int signal = 9);    // sends the signal to the server's pid and reaps it on SIGKILL/SIGTERM
  void Stop(int signal);  // signal without reaping (SIGSTOP / SIGCONT)
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& ip() const { return options_.ip; }
  int port() const { return options_.port; }
  std::string address() const { return options_.ip + ":" + std::to_string(options_.port); }
  const std::string& dir() const { return options_.dir; }
  // Changes the address before a restart (a pod back on a new IP).
  void set_ip(const std::string& ip) { options_.ip = ip; }

 private:
  RedisServerOptions options_;
  bool own_dir_ = false;
  pid_t pid_ = -1;
};

// A per-suite base so concurrent suites do not collide: "127.<a>.<b>.<n>".
std::string LoopbackAddress(int suite, int index);

}  // namespace rc::testing
