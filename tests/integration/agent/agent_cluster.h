// AgentCluster: a StatefulSet simulated on loopback for the `run` loop. Pod i
// is a real redis-server on 127.50.<subnet>.<i+1>:6379 plus a real
// `redis-cluster-agent run` process with static discovery; the pod list (and
// spec.replicas) is a JSON file the agents re-read every loop, so a test can
// scale, restart and move pods while the agents run. Every process is stopped
// by its pid when the object goes away.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/redis_client.h"
#include "common/status.h"
#include "tests/integration/agent/child_process.h"
#include "tests/support/redis_server_binary.h"
#include "tests/support/redis_server_process.h"

namespace rc::testing {

// Each agent's /healthz, /readyz, /metrics on its pod's own address: the
// agent's default port (`run --http-port`), as in a pod.
inline constexpr int kAgentHttpPort = 8479;

struct AgentClusterOptions {
  int subnet = 0;  // third octet of 127.50.<subnet>.x
  int replicas_per_master = 1;
  int hosts = 3;         // pod i runs on "host-<i % hosts>"
  std::string password;  // "" none
  // With a password, each redis has the agent's ACL user as `init` renders it;
  // false: the default user only (a node an older agent started, Redis 5).
  // Default: when the server under test has ACL (Redis >= 6.0).
  bool agent_user = TestServer().AtLeast(6, 0);
  int node_timeout_ms = 2000;
  std::string image = TestServer().Image();  // the version under test (RC_REDIS_SERVER)
  std::vector<std::string> agent_args;       // more `run` flags for every agent
  // TLS only: every redis serves tls-port (port 0) with a certificate for the
  // subnet's addresses, made at test time in DIR/tls (tls.crt, tls.key,
  // ca.crt, as the Secret is mounted); agents get --tls-dir DIR/tls.
  bool tls = false;
};

struct SettledCheck {
  int masters = 0;  // expected masters with slots
  int nodes = 0;    // expected nodes in the cluster
};

class AgentCluster {
 public:
  explicit AgentCluster(AgentClusterOptions options);
  ~AgentCluster();

  // Starts redis and the agent of pod `ordinal` and lists it (ready).
  Status StartPod(int ordinal);
  // Marks the pod (not) ready in the pod list, as its readiness probe would.
  void SetReady(int ordinal, bool ready);
  // Sets spec.replicas in the pod list.
  void SetReplicas(int replicas);
  // Removes the pod from the list and stops its processes (agent first).
  void DeletePod(int ordinal);
  Status StartAgent(int ordinal);
  // The password pod `ordinal`'s redis and agent get from its next start on,
  // instead of options.password (a pod started after the Secret changed).
  void SetPodPassword(int ordinal, const std::string& password);
  void KillAgent(int ordinal, int signal = 9);
  void KillRedis(int ordinal, int signal = 9);
  // Restarts the pod's redis, optionally with an empty data dir and/or a new IP
  // (the agent is restarted too, as the pod is new).
  Status RestartPod(int ordinal, bool keep_data, const std::string& new_ip = "");
  // The redis container's preStop: creates CONFIG_DIR/prestop and waits for
  // prestop-done. Returns false when the deadline passes.
  bool PreStop(int ordinal, std::chrono::milliseconds deadline);

  // Waits until the cluster is settled as expected; `why` says what was still off.
  bool WaitSettled(const SettledCheck& check, std::chrono::milliseconds deadline, std::string* why);
  std::string Problems(const SettledCheck& check);
  bool RedisCliCheck(std::string* output);
  // Every replica on another host than its master.
  std::string HostProblems();

  Status Fill(long long count, const std::string& prefix = "key:");
  // Every key reads back its value, and the masters hold exactly `count` +
  // `other_keys` keys (other_keys: written by a ClusterLoad, checked by it).
  Status Verify(long long count, const std::string& prefix = "key:", long long other_keys = 0);
  static std::string ValueFor(const std::string& prefix, long long i);

  Result<std::string> NodeIdOf(int ordinal);    // CLUSTER MYID of the pod's redis
  Result<bool> IsMaster(int ordinal);           // ROLE
  Result<std::string> MasterIdOf(int ordinal);  // the node id it replicates ("" a master)
  pid_t AgentPid(int ordinal);
  std::string ip(int ordinal) const;
  std::string seed() const;  // a listed pod's address
  std::string AgentLog(int ordinal) const;
  std::string AllAgentLogs(size_t bytes_each = 1500) const;
  HiredisConnector& connector() { return *connector_; }
  // With tls: replaces the files in DIR/tls by a new CA and certificate (as a
  // renewed Secret is swapped in); the test's own new connections follow.
  Status RotateTls();
  std::string tls_dir() const { return dir_ + "/tls"; }
  const std::string& dir() const { return dir_; }

 private:
  struct Pod {
    int ordinal = 0;
    std::string ip;
    std::string host;
    std::string data_dir;
    std::string config_dir;
    bool listed = false;
    bool ready = true;
    std::optional<std::string> password;  // else options_.password
    std::unique_ptr<RedisServerProcess> redis;
    std::unique_ptr<ChildProcess> agent;
  };
  Pod& PodAt(int ordinal);
  Status StartRedis(Pod& pod);
  void WritePodList();

  AgentClusterOptions options_;
  std::string dir_;
  int replicas_ = 0;
  std::map<int, Pod> pods_;
  Status WriteTls(const std::string& prefix);
  RedisOptions ClientOptions() const;

  Status tls_status_;                    // of the certificates made at construction
  std::shared_ptr<TlsContext> tls_ctx_;  // the test's own client side
  std::unique_ptr<HiredisConnector> connector_;
};

}  // namespace rc::testing
