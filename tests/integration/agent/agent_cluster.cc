#include "tests/integration/agent/agent_cluster.h"

#include <httplib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "agent/config/agent_user.h"
#include "agent/engine/cluster_view.h"
#include "agent/engine/planner.h"
#include "common/slot_hash.h"
#include "tests/support/redis_cli_check.h"
#include "tests/support/test_certs.h"
#include "tests/support/wait_for.h"

#ifndef RC_AGENT_BINARY
#error "RC_AGENT_BINARY must name the redis-cluster-agent binary"
#endif

namespace rc::testing {
namespace {

// The agents' --loop-interval-ms: 300 keeps the tests quick; the agent
// benchmark sets RC_AGENT_IT_LOOP_MS=1000 (the production default).
int LoopIntervalMs() {
  const char* ms = std::getenv("RC_AGENT_IT_LOOP_MS");
  return ms != nullptr && std::atoi(ms) > 0 ? std::atoi(ms) : 300;
}

}  // namespace

AgentCluster::AgentCluster(AgentClusterOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/rc-agent-it-XXXXXX";
  char* d = mkdtemp(tmpl);
  dir_ = d ? d : "/tmp";
  if (options_.tls) tls_status_ = WriteTls("");
  connector_ = std::make_unique<HiredisConnector>(ClientOptions());
}

RedisOptions AgentCluster::ClientOptions() const {
  RedisOptions o;
  o.password = options_.password;
  o.connect_timeout_ms = 500;
  o.command_timeout_ms = 5000;
  o.tls = tls_ctx_;
  return o;
}

Status AgentCluster::WriteTls(const std::string& prefix) {
  std::string sans;
  for (int i = 1; i <= 32; ++i)
    sans += (i > 1 ? "," : "") + std::string("IP:127.50.") + std::to_string(options_.subnet) + "." +
            std::to_string(i);
  auto certs = MakeTestCerts(dir_ + "/tls-made", sans, prefix);
  if (!certs.ok()) return certs.status();
  std::filesystem::create_directories(tls_dir());
  // Each file replaced by a rename, as the kubelet swaps a Secret's files.
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{{certs->ca, "ca.crt"},
                                                        {certs->server_key, "tls.key"},
                                                        {certs->server_cert, "tls.crt"}}) {
    const std::string target = tls_dir() + "/" + to;
    std::error_code ec;
    std::filesystem::copy_file(from, target + ".new",
                               std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) return Internal("cannot copy " + from + ": " + ec.message());
    std::filesystem::rename(target + ".new", target, ec);
    if (ec) return Internal("cannot rename onto " + target + ": " + ec.message());
  }
  if (tls_ctx_) return Status::Ok();  // it re-reads the swapped CA file itself
  TlsFiles files;
  files.ca_file = tls_dir() + "/ca.crt";
  auto ctx = TlsContext::Create(files);
  if (!ctx.ok()) return ctx.status();
  tls_ctx_ = *ctx;
  return Status::Ok();
}

Status AgentCluster::RotateTls() {
  if (!options_.tls) return FailedPrecondition("the cluster has no TLS");
  return WriteTls("next-");
}

AgentCluster::~AgentCluster() {
  for (auto& [ordinal, pod] : pods_) {
    if (pod.agent) pod.agent->Kill(9);
  }
  for (auto& [ordinal, pod] : pods_) {
    if (pod.redis) pod.redis->Kill(9);
  }
  if (!getenv("RC_KEEP_TEST_DIRS")) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string AgentCluster::ip(int ordinal) const {
  auto it = pods_.find(ordinal);
  if (it != pods_.end() && !it->second.ip.empty()) return it->second.ip;
  return "127.50." + std::to_string(options_.subnet) + "." + std::to_string(ordinal + 1);
}

AgentCluster::Pod& AgentCluster::PodAt(int ordinal) {
  Pod& pod = pods_[ordinal];
  if (pod.ip.empty()) {
    pod.ordinal = ordinal;
    pod.ip = ip(ordinal);
    pod.host = "host-" + std::to_string(ordinal % options_.hosts);
    pod.data_dir = dir_ + "/pod-" + std::to_string(ordinal) + "/data";
    pod.config_dir = dir_ + "/pod-" + std::to_string(ordinal) + "/config";
    std::filesystem::create_directories(pod.data_dir);
    std::filesystem::create_directories(pod.config_dir);
  }
  return pod;
}

void AgentCluster::WritePodList() {
  nlohmann::json pods = nlohmann::json::array();
  for (const auto& [ordinal, pod] : pods_) {
    if (!pod.listed) continue;
    pods.push_back({{"name", "redis-" + std::to_string(ordinal)},
                    {"ip", pod.ip},
                    {"node", pod.host},
                    {"ready", pod.ready}});
  }
  nlohmann::json list = {{"replicas", replicas_}, {"pods", pods}};
  std::string path = dir_ + "/pods.json";
  std::ofstream(path + ".tmp") << list.dump(1);
  std::filesystem::rename(path + ".tmp", path);
}

void AgentCluster::SetReady(int ordinal, bool ready) {
  PodAt(ordinal).ready = ready;
  WritePodList();
}

void AgentCluster::SetReplicas(int replicas) {
  replicas_ = replicas;
  WritePodList();
}

void AgentCluster::SetPodPassword(int ordinal, const std::string& password) {
  PodAt(ordinal).password = password;
}

Status AgentCluster::StartRedis(Pod& pod) {
  RedisServerOptions ro;
  ro.ip = pod.ip;
  ro.password = pod.password.value_or(options_.password);
  ro.node_timeout_ms = options_.node_timeout_ms;
  ro.dir = pod.data_dir;
  ro.extra = {"appendonly yes"};
  if (!ro.password.empty() && options_.agent_user)
    ro.extra.push_back(
        agent::FormatDirective(agent::AgentUserDirective(agent::AgentPassword(ro.password))));
  if (options_.tls) {
    RC_RETURN_IF_ERROR(tls_status_);
    ServerTls tls;
    tls.ca_file = tls_dir() + "/ca.crt";
    tls.cert_file = tls_dir() + "/tls.crt";
    tls.key_file = tls_dir() + "/tls.key";
    tls.client = tls_ctx_;
    ro.tls = tls;
  }
  pod.redis = std::make_unique<RedisServerProcess>(ro);
  std::string error;
  if (!pod.redis->Start(&error)) return Unavailable(error);
  return Status::Ok();
}

Status AgentCluster::StartAgent(int ordinal) {
  Pod& pod = PodAt(ordinal);
  pod.agent = std::make_unique<ChildProcess>();
  std::vector<std::string> argv = {
      RC_AGENT_BINARY,
      "run",
      "--discovery=static",
      "--static-pods=" + dir_ + "/pods.json",
      "--pod-name=redis-" + std::to_string(ordinal),
      "--pod-ip=" + pod.ip,
      "--node-name=" + pod.host,
      "--config-dir=" + pod.config_dir,
      "--data-dir=" + pod.data_dir,
      "--http-address=" + pod.ip,
      "--http-port=" + std::to_string(kAgentHttpPort),
      "--lease-duration-ms=3000",
      "--loop-interval-ms=" + std::to_string(LoopIntervalMs()),
      "--replicas-per-master=" + std::to_string(options_.replicas_per_master),
      "--node-timeout-ms=" + std::to_string(options_.node_timeout_ms),
      "--image=" + options_.image,
      "--bind-address=" + pod.ip};
  if (options_.tls) argv.push_back("--tls-dir=" + tls_dir());
  argv.insert(argv.end(), options_.agent_args.begin(), options_.agent_args.end());
  std::map<std::string, std::string> env;
  const std::string password = pod.password.value_or(options_.password);
  if (!password.empty()) env["REDIS_PASSWORD"] = password;
  if (!pod.agent->Start(argv, env, dir_ + "/pod-" + std::to_string(ordinal) + "/agent.log"))
    return Internal("cannot start the agent of pod " + std::to_string(ordinal));
  return Status::Ok();
}

Status AgentCluster::StartPod(int ordinal) {
  Pod& pod = PodAt(ordinal);
  RC_RETURN_IF_ERROR(StartRedis(pod));
  pod.listed = true;
  WritePodList();
  return StartAgent(ordinal);
}

void AgentCluster::DeletePod(int ordinal) {
  Pod& pod = PodAt(ordinal);
  pod.listed = false;
  WritePodList();
  if (pod.agent) pod.agent->Kill(15);
  if (pod.redis) pod.redis->Kill(9);
  // The pod's emptyDir volumes go with it.
  std::error_code ec;
  std::filesystem::remove_all(pod.data_dir, ec);
  std::filesystem::remove_all(pod.config_dir, ec);
  std::filesystem::create_directories(pod.data_dir);
  std::filesystem::create_directories(pod.config_dir);
}

void AgentCluster::KillAgent(int ordinal, int signal) {
  Pod& pod = PodAt(ordinal);
  if (pod.agent) pod.agent->Kill(signal);
}

void AgentCluster::KillRedis(int ordinal, int signal) {
  Pod& pod = PodAt(ordinal);
  if (pod.redis) pod.redis->Kill(signal);
}

Status AgentCluster::RestartPod(int ordinal, bool keep_data, const std::string& new_ip) {
  Pod& pod = PodAt(ordinal);
  if (pod.agent) pod.agent->Kill(9);
  if (pod.redis) pod.redis->Kill(15);
  if (!keep_data) {
    std::error_code ec;
    std::filesystem::remove_all(pod.data_dir, ec);
    std::filesystem::create_directories(pod.data_dir);
  }
  if (!new_ip.empty()) pod.ip = new_ip;
  pod.listed = true;
  RC_RETURN_IF_ERROR(StartRedis(pod));
  WritePodList();
  return StartAgent(ordinal);
}

bool AgentCluster::PreStop(int ordinal, std::chrono::milliseconds deadline) {
  Pod& pod = PodAt(ordinal);
  std::ofstream(pod.config_dir + "/prestop") << "1\n";
  return WaitFor([&] { return std::filesystem::exists(pod.config_dir + "/prestop-done"); },
                 deadline, std::chrono::milliseconds(100));
}

std::string AgentCluster::seed() const {
  for (const auto& [ordinal, pod] : pods_)
    if (pod.listed && pod.redis && pod.redis->running()) return pod.ip + ":6379";
  return "";
}

std::string AgentCluster::Problems(const SettledCheck& check) {
  auto view = engine::ObserveCluster(*connector_, seed());
  if (!view.ok()) return view.status().message();
  if (!view->Consistent()) {
    std::string out;
    for (const auto& p : view->Problems()) out += p + "; ";
    return "not consistent: " + out;
  }
  const Topology& t = view->topology;
  if (static_cast<int>(t.nodes().size()) != check.nodes)
    return "the seed knows " + std::to_string(t.nodes().size()) + " nodes, expected " +
           std::to_string(check.nodes);
  for (const auto& n : view->nodes) {
    if (!n.reachable) return "node " + n.address + " does not answer: " + n.error;
    if (!n.cluster_state_ok) return "node " + n.address + " says cluster_state is not ok";
    if (static_cast<int>(n.topology.nodes().size()) != check.nodes)
      return "node " + n.address + " knows " + std::to_string(n.topology.nodes().size()) + " nodes";
    for (const auto& c : n.topology.nodes())
      if (c.IsFailed() || c.flags.handshake)
        return "node " + n.address + " sees " + c.Address() + " as " + c.flags.ToString();
  }
  int masters = 0;
  std::map<std::string, int> replicas;
  for (const auto& n : t.nodes()) {
    if (n.IsMaster() && !n.slots.Empty()) {
      ++masters;
      replicas[n.id] += 0;
    }
    if (n.IsMaster() && n.slots.Empty()) return "empty master " + n.Address();
    if (n.flags.replica) replicas[n.master_id]++;
  }
  if (masters != check.masters)
    return std::to_string(masters) + " masters with slots, expected " +
           std::to_string(check.masters);
  engine::PlanOptions po;
  if (!engine::IsBalanced(t, po)) return "slots are not balanced";
  // Replicas are in sync with their masters (with a password: masterauth works).
  for (const auto& n : t.nodes()) {
    if (!n.flags.replica) continue;
    auto client = connector_->Connect(n.ip, n.port);
    if (!client.ok()) return client.status().message();
    auto info = CommandChecked(**client, {"INFO", "replication"});
    if (!info.ok()) return info.status().message();
    if (info->str.find("master_link_status:up") == std::string::npos)
      return "replica " + n.Address() + " is not in sync with its master";
  }
  // And the coordinator itself found nothing left to do (not between two moves).
  bool coordinator_idle = false;
  for (const auto& [ordinal, pod] : pods_) {
    if (!pod.listed || !pod.agent || pod.agent->pid() <= 0) continue;
    httplib::Client http(pod.ip, kAgentHttpPort);
    http.set_connection_timeout(1);
    auto metrics = http.Get("/metrics");
    if (metrics && metrics->body.find("redis_cluster_agent_coordinator 1") != std::string::npos &&
        metrics->body.find("redis_cluster_agent_cluster_balanced 1") != std::string::npos)
      coordinator_idle = true;
  }
  if (!coordinator_idle) return "the coordinator does not report a balanced cluster yet";
  int lo = 1 << 20, hi = 0;
  for (const auto& [id, count] : replicas) {
    lo = std::min(lo, count);
    hi = std::max(hi, count);
  }
  int total_replicas = check.nodes - check.masters;
  int want_lo = std::min(options_.replicas_per_master, total_replicas / std::max(1, masters));
  if (lo < want_lo || hi - lo > 1)
    return "replicas per master range " + std::to_string(lo) + ".." + std::to_string(hi);
  return "";
}

bool AgentCluster::WaitSettled(const SettledCheck& check, std::chrono::milliseconds deadline,
                               std::string* why) {
  bool ok = WaitFor([&] { return (*why = Problems(check)).empty(); }, deadline,
                    std::chrono::milliseconds(250));
  return ok;
}

bool AgentCluster::RedisCliCheck(std::string* output) {
  return RedisCliClusterCheck(seed(), options_.password, output,
                              options_.tls ? "--tls --cacert " + tls_dir() + "/ca.crt" : "");
}

std::string AgentCluster::HostProblems() {
  auto view = engine::ObserveCluster(*connector_, seed());
  if (!view.ok()) return view.status().message();
  std::map<std::string, std::string> host_of_ip;
  for (const auto& [ordinal, pod] : pods_) host_of_ip[pod.ip] = pod.host;
  for (const auto& n : view->topology.nodes()) {
    if (!n.flags.replica) continue;
    const ClusterNode* m = view->topology.FindById(n.master_id);
    if (m && host_of_ip[m->ip] == host_of_ip[n.ip])
      return "replica " + n.Address() + " and its master " + m->Address() + " share " +
             host_of_ip[n.ip];
  }
  return "";
}

std::string AgentCluster::ValueFor(const std::string& prefix, long long i) {
  return prefix + "v" + std::to_string(i * 7919 % 100003) + "-" + std::string(16, 'x');
}

namespace {

// Groups key indexes by the master that owns their slot (per the seed's view).
Result<std::map<std::string, std::vector<long long>>> ByOwner(RedisConnector& connector,
                                                              const std::string& seed,
                                                              const std::string& prefix,
                                                              long long count) {
  auto view = engine::ObserveCluster(connector, seed);
  if (!view.ok()) return view.status();
  auto owners = view->topology.SlotOwners();
  std::map<std::string, std::vector<long long>> out;
  for (long long i = 0; i < count; ++i) {
    const std::string& id = owners[static_cast<size_t>(KeySlot(prefix + std::to_string(i)))];
    const ClusterNode* n = view->topology.FindById(id);
    if (n == nullptr) return FailedPrecondition("slot without owner");
    out[n->Address()].push_back(i);
  }
  return out;
}

}  // namespace

Status AgentCluster::Fill(long long count, const std::string& prefix) {
  auto groups = ByOwner(*connector_, seed(), prefix, count);
  if (!groups.ok()) return groups.status();
  for (const auto& [address, keys] : *groups) {
    std::string host;
    int port = 0;
    RC_RETURN_IF_ERROR(ParseHostPort(address, &host, &port));
    auto client = connector_->Connect(host, port);
    if (!client.ok()) return client.status();
    for (size_t at = 0; at < keys.size(); at += 1000) {
      std::vector<RedisCommand> batch;
      for (size_t k = at; k < std::min(keys.size(), at + 1000); ++k)
        batch.push_back({"SET", prefix + std::to_string(keys[k]), ValueFor(prefix, keys[k])});
      auto replies = (*client)->Pipeline(batch);
      if (!replies.ok()) return replies.status();
      for (const auto& r : *replies)
        if (!r.IsOk()) return Internal("SET on " + address + ": " + r.str);
    }
    // Acknowledged by a replica too, so a master killed next loses nothing.
    (void)(*client)->Command({"WAIT", "1", "5000"});
  }
  return Status::Ok();
}

Status AgentCluster::Verify(long long count, const std::string& prefix, long long other_keys) {
  auto groups = ByOwner(*connector_, seed(), prefix, count);
  if (!groups.ok()) return groups.status();
  long long total_keys = 0;
  auto view = engine::ObserveCluster(*connector_, seed());
  if (!view.ok()) return view.status();
  for (const ClusterNode* m : view->topology.Masters()) {
    if (m->slots.Empty()) continue;
    auto client = connector_->Connect(m->ip, m->port);
    if (!client.ok()) return client.status();
    auto size = CommandChecked(**client, {"DBSIZE"});
    if (!size.ok()) return size.status();
    total_keys += size->integer;
  }
  if (total_keys != count + other_keys)
    return Internal("the masters hold " + std::to_string(total_keys) + " keys, expected " +
                    std::to_string(count + other_keys));
  for (const auto& [address, keys] : *groups) {
    std::string host;
    int port = 0;
    RC_RETURN_IF_ERROR(ParseHostPort(address, &host, &port));
    auto client = connector_->Connect(host, port);
    if (!client.ok()) return client.status();
    for (size_t at = 0; at < keys.size(); at += 1000) {
      std::vector<RedisCommand> batch;
      for (size_t k = at; k < std::min(keys.size(), at + 1000); ++k)
        batch.push_back({"GET", prefix + std::to_string(keys[k])});
      auto replies = (*client)->Pipeline(batch);
      if (!replies.ok()) return replies.status();
      for (size_t k = 0; k < replies->size(); ++k) {
        long long i = keys[at + k];
        if ((*replies)[k].str != ValueFor(prefix, i))
          return Internal("key " + prefix + std::to_string(i) + " on " + address + " reads '" +
                          (*replies)[k].str + "'");
      }
    }
  }
  return Status::Ok();
}

Result<std::string> AgentCluster::NodeIdOf(int ordinal) {
  Pod& pod = PodAt(ordinal);
  auto client = connector_->Connect(pod.ip, 6379);
  if (!client.ok()) return client.status();
  auto id = CommandChecked(**client, {"CLUSTER", "MYID"});
  if (!id.ok()) return id.status();
  return id->str;
}

Result<bool> AgentCluster::IsMaster(int ordinal) {
  Pod& pod = PodAt(ordinal);
  auto client = connector_->Connect(pod.ip, 6379);
  if (!client.ok()) return client.status();
  auto role = CommandChecked(**client, {"ROLE"});
  if (!role.ok()) return role.status();
  return !role->elements.empty() && role->elements[0].str == "master";
}

Result<std::string> AgentCluster::MasterIdOf(int ordinal) {
  Pod& pod = PodAt(ordinal);
  auto client = connector_->Connect(pod.ip, 6379);
  if (!client.ok()) return client.status();
  auto nodes = CommandChecked(**client, {"CLUSTER", "NODES"});
  if (!nodes.ok()) return nodes.status();
  auto view = Topology::ParseClusterNodes(nodes->str);
  if (!view.ok()) return view.status();
  const ClusterNode* me = view->Myself();
  if (me == nullptr) return NotFound("no myself line");
  return me->flags.replica ? me->master_id : std::string();
}

pid_t AgentCluster::AgentPid(int ordinal) {
  Pod& pod = PodAt(ordinal);
  return pod.agent ? pod.agent->pid() : -1;
}

std::string AgentCluster::AgentLog(int ordinal) const {
  auto it = pods_.find(ordinal);
  if (it == pods_.end() || !it->second.agent) return "";
  return it->second.agent->LogTail(20000);
}

std::string AgentCluster::AllAgentLogs(size_t bytes_each) const {
  std::string out;
  for (const auto& [ordinal, pod] : pods_) {
    if (!pod.agent) continue;
    out += "---- agent of redis-" + std::to_string(ordinal) + "\n" + pod.agent->LogTail(bytes_each);
  }
  return out;
}

}  // namespace rc::testing
