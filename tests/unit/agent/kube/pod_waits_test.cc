// Why the coordinator waits for pods: from the pod objects the API lists
// (through KubePodSource on the fake client) to the lines the coordinator
// says, grouped by Kubernetes' reason; and when it says them (fake clock).
#include "agent/reconcile/pod_waits.h"

#include <gtest/gtest.h>

#include "agent/kube/kube_pod_source.h"
#include "tests/unit/agent/kube/fake_kube_client.h"

namespace rc::agent {
namespace {

using namespace std::chrono_literals;
using testing::FakeKubeClient;
using json = nlohmann::json;

const char* kStsPath = "/apis/apps/v1/namespaces/shop/statefulsets/redis";
const char* kPodsPath = "/api/v1/namespaces/shop/pods";
const char* kAntiAffinity =
    "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 "
    "nodes are available: 3 No preemption victims found for incoming pod.";

json Running(const std::string& name) {
  return json::parse(R"({"metadata": {"name": ")" + name + R"("},
    "spec": {"nodeName": "node-1"},
    "status": {"phase": "Running", "podIP": "10.0.0.1",
      "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "True"}],
      "containerStatuses": [{"name": "redis", "state": {"running": {}}}]}})");
}

json Unschedulable(const std::string& name, const std::string& message = kAntiAffinity) {
  json pod = {{"metadata", {{"name", name}}}, {"spec", json::object()}};
  pod["status"] = {{"phase", "Pending"},
                   {"conditions",
                    {{{"type", "PodScheduled"},
                      {"status", "False"},
                      {"reason", "Unschedulable"},
                      {"message", message}}}}};
  return pod;
}

// A pod whose container `container` waits with `reason`; `init` puts it in
// initContainerStatuses (the agent's native sidecar and init container).
json Waiting(const std::string& name, const std::string& container, const std::string& reason,
             const std::string& message, bool init = false, int last_exit = -1) {
  json pod = Running(name);
  json status = {{"name", container},
                 {"state", {{"waiting", {{"reason", reason}, {"message", message}}}}}};
  if (last_exit >= 0)
    status["lastState"] = {{"terminated", {{"exitCode", last_exit}, {"reason", "Error"}}}};
  if (init) {
    pod["status"]["phase"] = "Pending";
    pod["status"]["initContainerStatuses"] = json::array({status});
    pod["status"]["containerStatuses"] = json::array(
        {json{{"name", "redis"}, {"state", {{"waiting", {{"reason", "PodInitializing"}}}}}}});
  } else {
    pod["status"]["containerStatuses"] = json::array({status});
  }
  return pod;
}

PodSnapshot Snapshot(int replicas, const json& items) {
  FakeKubeClient kube;
  kube.objects[kStsPath] = json::parse(R"({"metadata": {"name": "redis", "uid": "u-1"},
      "spec": {"replicas": )" + std::to_string(replicas) +
                                       R"(, "selector": {"matchLabels": {"app": "redis"}}}})");
  kube.objects[kPodsPath] = {{"items", items}};
  KubeDiscoveryOptions options;
  options.namespace_name = "shop";
  options.statefulset_name = "redis";
  KubePodSource source(kube, options, [](const std::string&) { return std::string(); });
  auto snapshot = source.Observe();
  EXPECT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  return snapshot.ok() ? *snapshot : PodSnapshot{};
}

// Every group, transient ones marked "(transient) ", as lines.
std::vector<std::string> Lines(const PodSnapshot& snapshot) {
  std::vector<PodWait> waits = FindPodWaits(snapshot);
  std::vector<std::string> out;
  for (const auto& g : GroupPodWaits(waits)) {
    bool transient = false;
    for (const auto& w : waits) transient = transient || (w.pod == g.pods[0] && w.transient);
    out.push_back((transient ? "(transient) " : "") + DescribePodWaitGroup(g));
  }
  return out;
}

struct Case {
  const char* name;
  int replicas;
  json pods;
  std::vector<std::string> lines;
};

TEST(PodWaits, NamesThePodsKubernetesDoesNotRunWithItsReason) {
  const std::string hint =
      " (with redis-cluster.io/anti-affinity: required every pod needs a node of its own: add "
      "nodes, or set the annotation to preferred)";
  const std::vector<Case> cases = {
      {"every pod runs: nothing to say",
       3,
       {Running("redis-0"), Running("redis-1"), Running("redis-2")},
       {}},
      {"required anti-affinity, 6 pods on 3 nodes: the three Pending ones, one line",
       6,
       {Running("redis-0"), Running("redis-1"), Running("redis-2"), Unschedulable("redis-3"),
        Unschedulable("redis-4"), Unschedulable("redis-5")},
       {std::string("redis-3, redis-4, redis-5 are Pending: FailedScheduling: ") + kAntiAffinity +
        hint}},
      {"different scheduler messages are different groups",
       3,
       {Running("redis-0"), Unschedulable("redis-1"),
        Unschedulable("redis-2", "0/3 nodes are available: 3 Insufficient memory.")},
       {std::string("redis-1 is Pending: FailedScheduling: ") + kAntiAffinity + hint,
        "redis-2 is Pending: FailedScheduling: 0/3 nodes are available: 3 Insufficient memory."}},
      {"CrashLoopBackOff: the last exit, not the per-pod back-off message, so they group",
       3,
       {Running("redis-0"),
        Waiting("redis-1", "redis", "CrashLoopBackOff",
                "back-off 10s restarting failed container=redis pod=redis-1_shop(u1)", false, 1),
        Waiting("redis-2", "redis", "CrashLoopBackOff",
                "back-off 20s restarting failed container=redis pod=redis-2_shop(u2)", false, 1)},
       {"redis-1, redis-2 are in CrashLoopBackOff: container redis keeps exiting (last exit code "
        "1, Error); kubectl logs POD -c redis --previous tells why"}},
      {"image pulls, main and init containers",
       3,
       {Running("redis-0"),
        Waiting("redis-1", "redis", "ImagePullBackOff", "Back-off pulling image \"redis:7x\""),
        Waiting("redis-2", "redis-cluster-agent-init", "ErrImagePull",
                "rpc error: image \"agent:0.0\" not found", true)},
       {"redis-1 is in ImagePullBackOff: container redis: Back-off pulling image \"redis:7x\"",
        "redis-2 is in Init:ErrImagePull: container redis-cluster-agent-init: rpc error: image "
        "\"agent:0.0\" not found"}},
      {"ContainerCreating and a pod not yet created are transient",
       4,
       {Running("redis-0"), Running("redis-1"),
        Waiting("redis-2", "redis", "ContainerCreating", "")},
       {"(transient) redis-2 is in ContainerCreating",
        "(transient) redis-3 does not exist yet (the StatefulSet controller has not created it; "
        "kubectl describe statefulset tells why)"}},
      {"an evicted pod is Failed with the kubelet's reason",
       2,
       {Running("redis-0"), json::parse(R"({"metadata": {"name": "redis-1"}, "spec": {},
          "status": {"phase": "Failed", "reason": "Evicted",
                     "message": "The node was low on resource: memory."}})")},
       {"redis-1 is Failed: Evicted: The node was low on resource: memory."}},
      {"leaving and terminating pods are not waited for",
       2,
       {Running("redis-0"),
        [] {
          json p = Unschedulable("redis-1");
          p["metadata"]["deletionTimestamp"] = "2026-11-25T09:00:00Z";
          return p;
        }(),
        Unschedulable("redis-2")},
       {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Lines(Snapshot(c.replicas, c.pods)), c.lines);
  }
}

TEST(PodWaits, NothingWithoutTheApisStatuses) {
  PodSnapshot from_dns;
  from_dns.spec_replicas = 3;
  from_dns.source = "DNS of redis-hl";
  EXPECT_TRUE(FindPodWaits(from_dns).empty());
}

TEST(PodWaitReporter, SaysAGroupOnceThenEveryMinuteAndAtOnceWhenItChanges) {
  PodWaitReporter reporter(60s, 30s);
  PodWaitReporter::Clock::time_point t0{};
  std::vector<PodWait> waits = {{"redis-3", "Pending", "FailedScheduling: full", false},
                                {"redis-4", "Pending", "FailedScheduling: full", false}};
  auto first = reporter.Observe(t0, waits);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], "redis-3, redis-4 are Pending: FailedScheduling: full");
  EXPECT_TRUE(reporter.Observe(t0 + 1s, waits).empty());
  EXPECT_TRUE(reporter.Observe(t0 + 59s, waits).empty());
  EXPECT_EQ(reporter.Observe(t0 + 60s, waits).size(), 1u) << "a minute later, again";
  EXPECT_TRUE(reporter.Observe(t0 + 61s, waits).empty());
  // One more pod in the group: said at once.
  waits.push_back({"redis-5", "Pending", "FailedScheduling: full", false});
  auto grown = reporter.Observe(t0 + 62s, waits);
  ASSERT_EQ(grown.size(), 1u);
  EXPECT_EQ(grown[0], "redis-3, redis-4, redis-5 are Pending: FailedScheduling: full");
  // Another reason appears: only the new group is said.
  waits.push_back({"redis-1", "CrashLoopBackOff", "container redis keeps exiting", false});
  auto other = reporter.Observe(t0 + 63s, waits);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0], "redis-1 is in CrashLoopBackOff: container redis keeps exiting");
  // Gone and back within the minute (a crash loop between back-offs): no news.
  EXPECT_TRUE(reporter.Observe(t0 + 64s, {}).empty());
  EXPECT_TRUE(reporter.Observe(t0 + 65s, waits).empty());
  // Gone for longer than the minute, then back: said again at once.
  EXPECT_TRUE(reporter.Observe(t0 + 66s, {}).empty());
  EXPECT_EQ(reporter.Observe(t0 + 124s, waits).size(), 2u);
}

TEST(PodWaitReporter, TransientStatesOnlyOnceTheyLast) {
  PodWaitReporter reporter(60s, 30s);
  PodWaitReporter::Clock::time_point t0{};
  std::vector<PodWait> creating = {{"redis-4", "ContainerCreating", "", true}};
  EXPECT_TRUE(reporter.Observe(t0, creating).empty());
  EXPECT_TRUE(reporter.Observe(t0 + 29s, creating).empty());
  auto lasting = reporter.Observe(t0 + 30s, creating);
  ASSERT_EQ(lasting.size(), 1u);
  EXPECT_EQ(lasting[0], "redis-4 is in ContainerCreating");
  // A pod that passes through it and comes back starts its count again.
  EXPECT_TRUE(reporter.Observe(t0 + 31s, {}).empty());
  EXPECT_TRUE(reporter.Observe(t0 + 32s, creating).empty());
}

}  // namespace
}  // namespace rc::agent
