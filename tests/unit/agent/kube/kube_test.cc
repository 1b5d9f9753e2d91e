#include <gtest/gtest.h>

#include <chrono>

#include "agent/kube/kube_events.h"
#include "agent/kube/kube_lease.h"
#include "agent/kube/kube_objects.h"
#include "agent/kube/kube_pod_source.h"
#include "tests/unit/agent/kube/fake_kube_client.h"

namespace rc::agent {
namespace {

using testing::FakeKubeClient;

const char* kStsPath = "/apis/apps/v1/namespaces/shop/statefulsets/redis";
const char* kPodsPath = "/api/v1/namespaces/shop/pods";

nlohmann::json StatefulSet(int replicas) {
  return nlohmann::json::parse(R"({"metadata": {"name": "redis", "uid": "u-1"},
      "spec": {"replicas": )" + std::to_string(replicas) +
                               R"(, "serviceName": "redis-hl",
               "selector": {"matchLabels": {"app": "redis"}}}})");
}

nlohmann::json Pod(const std::string& name, const std::string& ip, bool ready,
                   bool terminating = false) {
  nlohmann::json pod = {
      {"metadata", {{"name", name}}},
      {"spec", {{"nodeName", "node-" + name}}},
      {"status",
       {{"podIP", ip},
        {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}};
  if (terminating) pod["metadata"]["deletionTimestamp"] = "2026-11-25T09:00:00Z";
  return pod;
}

KubeDiscoveryOptions Options() {
  KubeDiscoveryOptions o;
  o.namespace_name = "shop";
  o.statefulset_name = "redis";
  o.service_name = "redis-hl";
  return o;
}

TEST(KubePodSource, ReadsSpecReplicasAndThePodsOfTheSelector) {
  FakeKubeClient kube;
  kube.objects[kStsPath] = StatefulSet(3);
  kube.objects[kPodsPath] = {
      {"items",
       {Pod("redis-1", "10.0.0.2", true), Pod("redis-0", "10.0.0.1", true),
        Pod("redis-2", "", false, true), Pod("redis-cache-0", "10.9.9.9", true)}}};
  KubePodSource source(kube, Options(), [](const std::string&) { return std::string(); });
  auto snap = source.Observe();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->spec_replicas, 3);
  ASSERT_EQ(snap->pods.size(), 3u) << "redis-cache-0 belongs to another StatefulSet";
  EXPECT_EQ(snap->pods[0].name, "redis-0");
  EXPECT_EQ(snap->pods[0].node_name, "node-redis-0");
  EXPECT_TRUE(snap->pods[1].ready);
  EXPECT_TRUE(snap->pods[2].terminating);
  EXPECT_FALSE(snap->pods[2].ready);
  EXPECT_EQ(kube.selectors.back(), "app=redis");
  ASSERT_NE(source.statefulset(), nullptr);
  EXPECT_EQ(source.statefulset()->uid, "u-1");
}

TEST(KubePodSource, ReadsTheZoneOfEachNodeOnceWhenAllowed) {
  FakeKubeClient kube;
  kube.objects[kStsPath] = StatefulSet(2);
  kube.objects[kPodsPath] = {
      {"items", {Pod("redis-0", "10.0.0.1", true), Pod("redis-1", "10.0.0.2", true)}}};
  kube.objects["/api/v1/nodes/node-redis-0"] = {
      {"metadata", {{"labels", {{"topology.kubernetes.io/zone", "eu-1a"}}}}}};
  kube.errors["/api/v1/nodes/node-redis-1"] = NotFound("HTTP 404");
  KubePodSource source(kube, Options(), [](const std::string&) { return std::string(); });
  auto snap = source.Observe();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->pods[0].zone, "eu-1a");
  EXPECT_EQ(snap->pods[1].zone, "");
}

TEST(KubePodSource, ForbiddenFallsBackToTheHeadlessServiceDns) {
  FakeKubeClient kube;
  kube.errors[kStsPath] = PermissionDenied("GET statefulsets: HTTP 403");
  std::vector<std::string> asked;
  KubePodSource source(kube, Options(), [&](const std::string& host) {
    asked.push_back(host);
    if (host == "redis-0.redis-hl.shop.svc.cluster.local") return std::string("10.0.0.1");
    if (host == "redis-1.redis-hl.shop.svc.cluster.local") return std::string("10.0.0.2");
    return std::string();
  });
  auto snap = source.Observe();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  ASSERT_EQ(snap->pods.size(), 2u);
  EXPECT_EQ(snap->pods[1].ip, "10.0.0.2");
  EXPECT_EQ(snap->spec_replicas, 2) << "no pod ever counts as leaving";
  EXPECT_NE(snap->source.find("DNS"), std::string::npos);
}

TEST(KubePodSource, NeverGrantedIsNotALostAccess) {
  FakeKubeClient kube;
  kube.errors[kStsPath] = PermissionDenied("GET statefulsets: HTTP 403");
  KubePodSource source(kube, Options(), [](const std::string&) { return std::string(); });
  auto snap = source.Observe();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_FALSE(snap->api_access_lost);
}

TEST(KubePodSource, ARefusalAfterAnAnswerOfAnySharedSourceIsALostAccess) {
  // Given the sidecar loop's source read the StatefulSet once, when the
  // preStop's own source (sharing the flag) is refused, access was lost: the
  // namespace, ServiceAccount or RoleBinding is being deleted.
  FakeKubeClient kube;
  kube.objects[kStsPath] = StatefulSet(2);
  auto answered = std::make_shared<std::atomic<bool>>(false);
  auto no_dns = [](const std::string&) { return std::string(); };
  KubePodSource loop_source(kube, Options(), no_dns, answered);
  KubePodSource prestop_source(kube, Options(), no_dns, answered);
  auto first = loop_source.Observe();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->api_access_lost);
  kube.errors[kStsPath] = PermissionDenied("GET statefulsets: HTTP 401");
  auto later = prestop_source.Observe();
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  EXPECT_TRUE(later->api_access_lost);
}

TEST(RbacHint, GivesTheExactKubectlCommand) {
  std::string hint = RbacHint(Options());
  EXPECT_NE(hint.find("kubectl create rolebinding redis-cluster-agent "
                      "--clusterrole=redis-cluster-agent --serviceaccount=shop:default -n shop"),
            std::string::npos)
      << hint;
}

TEST(RbacHint, NamesThePodsOwnServiceAccount) {
  KubeDiscoveryOptions o = Options();
  o.service_account = "redis";
  EXPECT_NE(RbacHint(o).find("--serviceaccount=shop:redis -n shop"), std::string::npos)
      << RbacHint(o);
}

TEST(MicroTime, RoundTrips) {
  long long ms = 1795599000123LL;
  std::string text = FormatMicroTime(ms);
  EXPECT_EQ(text.size(), 27u) << text;
  EXPECT_EQ(text.back(), 'Z');
  EXPECT_EQ(ParseMicroTime(text), ms);
  EXPECT_EQ(ParseMicroTime("nonsense"), 0);
}

const char* kLeasePath = "/apis/coordination.k8s.io/v1/namespaces/shop/leases/redis-coordinator";

long long NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(KubeLease, CreatesTakesRenewsAndRefusesALiveForeignLease) {
  FakeKubeClient kube;
  KubeLease lease(kube, "shop", "redis-coordinator", std::chrono::seconds(15));
  auto first = lease.AcquireOrRenew("redis-0");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  ASSERT_TRUE(kube.objects.count(kLeasePath));
  EXPECT_EQ(kube.objects[kLeasePath]["spec"]["holderIdentity"], "redis-0");
  EXPECT_EQ(lease.Holder(), "redis-0");

  auto other = lease.AcquireOrRenew("redis-3");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(*other) << "redis-0 holds a live lease";
  auto renew = lease.AcquireOrRenew("redis-0");
  ASSERT_TRUE(renew.ok());
  EXPECT_TRUE(*renew);

  // Expired: renewTime long ago.
  kube.objects[kLeasePath]["spec"]["renewTime"] = FormatMicroTime(NowMs() - 60000);
  auto takeover = lease.AcquireOrRenew("redis-3");
  ASSERT_TRUE(takeover.ok());
  EXPECT_TRUE(*takeover);
  EXPECT_EQ(kube.objects[kLeasePath]["spec"]["holderIdentity"], "redis-3");

  ASSERT_TRUE(lease.Release("redis-3").ok());
  EXPECT_EQ(lease.Holder(), "");
}

TEST(KubeLease, AConflictingUpdateMeansSomeoneElseWon) {
  FakeKubeClient kube;
  KubeLease lease(kube, "shop", "redis-coordinator", std::chrono::seconds(15));
  ASSERT_TRUE(lease.AcquireOrRenew("redis-0").ok());
  kube.objects[kLeasePath]["spec"]["renewTime"] = FormatMicroTime(NowMs() - 60000);
  // Another agent writes the lease between our read and our update.
  kube.before_put = [&] { kube.objects[kLeasePath]["metadata"]["resourceVersion"] = "999"; };
  auto got = lease.AcquireOrRenew("redis-3");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_FALSE(*got);
}

TEST(KubeEventRecorder, PostsAnEventOnTheStatefulSetOnceAMinute) {
  FakeKubeClient kube;
  auto sts = ParseStatefulSet(StatefulSet(6));
  ASSERT_TRUE(sts.ok());
  StatefulSetInfo info = *sts;
  KubeEventRecorder events(kube, "shop", "redis-0", [&] { return &info; });
  events.Record(false, "ClusterCreated", "created 3 masters");
  events.Record(false, "ClusterCreated", "created 3 masters");
  ASSERT_EQ(kube.writes.size(), 1u);
  const auto& body = kube.writes[0].body;
  EXPECT_EQ(kube.writes[0].path, "/api/v1/namespaces/shop/events");
  EXPECT_EQ(body["involvedObject"]["kind"], "StatefulSet");
  EXPECT_EQ(body["involvedObject"]["uid"], "u-1");
  EXPECT_EQ(body["reason"], "ClusterCreated");
  EXPECT_EQ(body["type"], "Normal");
}

TEST(SeedObjectsKeeper, CreatesAPdbOwnedByTheStatefulSetWhenNoneSelectsItsPods) {
  FakeKubeClient kube;
  kube.objects["/api/v1/namespaces/shop/services/redis-hl"] = {
      {"metadata", {{"name", "redis-hl"}}}};
  auto sts = ParseStatefulSet(StatefulSet(6));
  ASSERT_TRUE(sts.ok());
  StatefulSetInfo info = *sts;
  KubeEventRecorder events(kube, "shop", "redis-0", [&] { return &info; });
  SeedObjectsKeeper keeper(
      kube, "shop", "redis-hl", [&] { return &info; }, events);
  keeper.Run();
  ASSERT_GE(kube.writes.size(), 1u);
  const auto& pdb = kube.writes[0].body;
  EXPECT_EQ(kube.writes[0].path, "/apis/policy/v1/namespaces/shop/poddisruptionbudgets");
  EXPECT_EQ(pdb["spec"]["maxUnavailable"], 1);
  EXPECT_EQ(pdb["spec"]["selector"]["matchLabels"]["app"], "redis");
  EXPECT_EQ(pdb["metadata"]["ownerReferences"][0]["uid"], "u-1");
}

TEST(SeedObjectsKeeper, LeavesAnExistingPdbAloneAndWarnsAboutAMissingService) {
  FakeKubeClient kube;
  kube.objects["/apis/policy/v1/namespaces/shop/poddisruptionbudgets"] = {
      {"items", {{{"spec", {{"selector", {{"matchLabels", {{"app", "redis"}}}}}}}}}}};
  auto sts = ParseStatefulSet(StatefulSet(6));
  ASSERT_TRUE(sts.ok());
  StatefulSetInfo info = *sts;
  KubeEventRecorder events(kube, "shop", "redis-0", [&] { return &info; });
  SeedObjectsKeeper keeper(
      kube, "shop", "redis-hl", [&] { return &info; }, events);
  keeper.Run();
  ASSERT_EQ(kube.writes.size(), 1u) << "only the Event about the Service";
  EXPECT_EQ(kube.writes[0].body["reason"], "ServiceMissing");
  EXPECT_EQ(kube.writes[0].body["type"], "Warning");
}

TEST(AnyPdbSelects, MatchesOnlyASubsetOfThePodLabels) {
  std::map<std::string, std::string> labels = {{"app", "redis"}, {"tier", "cache"}};
  EXPECT_TRUE(AnyPdbSelects(
      nlohmann::json::parse(R"({"items":[{"spec":{"selector":{"matchLabels":{"app":"redis"}}}}]})"),
      labels));
  EXPECT_FALSE(AnyPdbSelects(
      nlohmann::json::parse(R"({"items":[{"spec":{"selector":{"matchLabels":{"app":"web"}}}}]})"),
      labels));
  EXPECT_FALSE(AnyPdbSelects(nlohmann::json::parse(R"({"items":[]})"), labels));
}

}  // namespace
}  // namespace rc::agent
