// Property: for many generated real-world pod templates, the mutation is
// accepted, yields a StatefulSet the API server would accept, and applying
// the webhook to its own output (raw, or after API-server defaulting) changes
// nothing. Seeds are fixed, so a failure names a reproducible template.
#include <gtest/gtest.h>

#include <random>

#include "tests/unit/webhook/admission_fixture.h"
#include "tests/unit/webhook/k8s_rules.h"
#include "webhook/injection_options.h"

namespace rc::webhook::testing {
namespace {

using nlohmann::json;

class TemplateGenerator {
 public:
  explicit TemplateGenerator(unsigned seed) : rng_(seed) {}

  json StatefulSet() {
    json annotations = json::object();
    int rpm = Pick(3);
    if (Coin())
      annotations["redis-cluster.io/replicas-per-master"] = std::to_string(rpm);
    else
      rpm = 1;
    if (Coin())
      annotations["redis-cluster.io/anti-affinity"] = OneOf({"preferred", "required", "none"});
    if (Coin()) annotations["redis-cluster.io/password-secret"] = "redis-auth";
    if (Coin())
      annotations["redis-cluster.io/config"] = "maxmemory 1gb\nmaxmemory-policy allkeys-lru\n";
    if (Coin())
      annotations["redis-cluster.io/node-timeout-ms"] = std::to_string(1000 + Pick(59001));

    json redis = {{"name", OneOf({"redis", "cache", "server", "valkey"})},
                  {"image", OneOf({"redis:7.0", "redis:5.0.4", "valkey/valkey:8.0",
                                   "docker.io/bitnami/redis:7.2"})}};
    switch (Pick(4)) {
      case 0:
        redis["command"] = json::array({"redis-server", "/conf/redis.conf"});
        break;
      case 1:
        redis["args"] = json::array({"--maxmemory", "256mb"});
        break;
      case 2:
        redis["command"] = json::array({"redis-server"});
        redis["args"] = json::array({"/conf/redis.conf", "--save", ""});
        break;
      default:
        break;
    }
    if (Coin())
      redis["ports"] =
          json::array({{{"name", OneOf({"redis", "tcp-redis"})}, {"containerPort", 6379}}});
    if (Coin())
      ArrayAt(redis, "ports")
          .push_back({{"name", OneOf({"gossip", "bus"})}, {"containerPort", 16379}});
    if (Coin())
      redis["readinessProbe"] = {{"exec", {{"command", json::array({"redis-cli", "ping"})}}}};
    if (Coin())
      redis["lifecycle"] = {
          {"preStop", {{"exec", {{"command", json::array({"redis-cli", "shutdown"})}}}}}};
    if (Coin())
      redis["securityContext"] = {{"readOnlyRootFilesystem", true},
                                  {"allowPrivilegeEscalation", false}};

    json containers = json::array();
    json volumes = json::array();
    json claims = json::array();
    if (Coin()) {
      claims.push_back({{"metadata", {{"name", "data"}}},
                        {"spec", {{"accessModes", json::array({"ReadWriteOnce"})}}}});
      if (Coin())
        ArrayAt(redis, "volumeMounts")
            .push_back({{"name", "data"}, {"mountPath", OneOf({"/data", "/var/lib/redis"})}});
    }
    if (Coin()) {
      volumes.push_back({{"name", "conf"}, {"configMap", {{"name", "redis-conf"}}}});
      ArrayAt(redis, "volumeMounts").push_back({{"name", "conf"}, {"mountPath", "/conf"}});
    }
    if (Coin())
      containers.push_back(
          {{"name", "exporter"},
           {"image", "oliver006/redis_exporter:v1.62.0"},
           {"ports", json::array({{{"name", "metrics"},
                                   {"containerPort", Coin() ? 9121 : kAgentHttpPort}}})}});
    if (Coin())
      containers.push_back({{"name", "proxy"},
                            {"image", "envoyproxy/envoy:v1.30"},
                            {"ports", json::array({{{"name", OneOf({"client", "admin"})},
                                                    {"containerPort", 8080}}})}});
    containers.insert(containers.begin() + static_cast<long>(Pick(containers.size() + 1)), redis);

    json pod = {{"containers", containers}};
    if (!volumes.empty()) pod["volumes"] = volumes;
    if (Coin())
      ArrayAt(pod, "initContainers").push_back({{"name", "sysctl"}, {"image", "busybox:1.36"}});
    if (Coin())
      ArrayAt(pod, "initContainers")
          .push_back(
              {{"name", "shipper"}, {"image", "fluent/fluent-bit:3"}, {"restartPolicy", "Always"}});
    if (Coin()) pod["terminationGracePeriodSeconds"] = OneOf({30, 300, 900});
    if (Coin())
      pod["affinity"] = {
          {"nodeAffinity",
           {{"preferredDuringSchedulingIgnoredDuringExecution",
             json::array({{{"weight", 1},
                           {"preference",
                            {{"matchExpressions",
                              json::array({{{"key", "disk"},
                                            {"operator", "In"},
                                            {"values", json::array({"ssd"})}}})}}}}})}}}};
    if (Coin())
      pod["securityContext"] = {{"runAsNonRoot", true}, {"runAsUser", 999}, {"fsGroup", 999}};

    json spec = {{"replicas", 3 * (1 + rpm) + static_cast<int>(Pick(4))},
                 {"serviceName", "redis"},
                 {"selector", {{"matchLabels", {{"app", "redis"}}}}},
                 {"template", {{"metadata", {{"labels", {{"app", "redis"}}}}}, {"spec", pod}}}};
    if (!claims.empty()) spec["volumeClaimTemplates"] = claims;
    if (Coin()) spec["podManagementPolicy"] = OneOf({"OrderedReady", "Parallel"});
    json metadata = {
        {"name", "redis"}, {"namespace", "redis-demo"}, {"labels", {{"redis-cluster", "managed"}}}};
    if (!annotations.empty()) metadata["annotations"] = annotations;
    return {
        {"apiVersion", "apps/v1"}, {"kind", "StatefulSet"}, {"metadata", metadata}, {"spec", spec}};
  }

  bool Coin() { return Pick(2) == 1; }
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  template <typename T>
  T OneOf(std::initializer_list<T> items) {
    return *(items.begin() + static_cast<long>(Pick(items.size())));
  }
  std::string OneOf(std::initializer_list<const char*> items) {
    return *(items.begin() + static_cast<long>(Pick(items.size())));
  }

 private:
  static json& ArrayAt(json& obj, const char* key) {
    if (!obj[key].is_array()) obj[key] = json::array();
    return obj[key];
  }
  std::mt19937 rng_;
};

TEST(IdempotencyProperty, ApplyingThePatchTwiceChangesNothing) {
  for (unsigned seed = 1; seed <= 400; ++seed) {
    TemplateGenerator generator(seed);
    json sts = generator.StatefulSet();
    InjectionOptions options;
    if (generator.Coin()) options.sidecar_mode = SidecarMode::kClassic;
    const std::string operation = generator.Coin() ? "CREATE" : "UPDATE";
    SCOPED_TRACE("seed " + std::to_string(seed) + " " + operation + ": " + sts.dump());

    AdmissionRun first = RunAdmission(MakeReview(sts, operation), options);
    ASSERT_EQ(first.http_status, 200);
    ASSERT_TRUE(first.response.value("allowed", false)) << first.response.dump();
    ASSERT_FALSE(first.patch.empty());
    for (const std::string& error : ValidateStatefulSet(first.patched)) ADD_FAILURE() << error;

    for (const json& object : {first.patched, ApplyServerDefaults(first.patched)}) {
      AdmissionRun second = RunAdmission(MakeReview(object, "UPDATE"), options);
      ASSERT_EQ(second.http_status, 200);
      EXPECT_TRUE(second.patch.empty()) << second.patch.dump();
    }
  }
}

TEST(IdempotencyProperty, SwitchingSidecarModeMovesTheAgentOnce) {
  TemplateGenerator generator(7);
  json sts = generator.StatefulSet();
  InjectionOptions native;
  InjectionOptions classic;
  classic.sidecar_mode = SidecarMode::kClassic;
  json patched = RunAdmission(MakeReview(sts, "CREATE"), native).patched;
  AdmissionRun moved = RunAdmission(MakeReview(patched, "UPDATE"), classic);
  ASSERT_FALSE(moved.patch.empty());
  for (const std::string& error : ValidateStatefulSet(moved.patched)) ADD_FAILURE() << error;
  int agents = 0;
  for (const char* list : {"containers", "initContainers"}) {
    for (const json& c : moved.patched["spec"]["template"]["spec"].value(list, json::array())) {
      if (c["name"] == "redis-cluster-agent") {
        ++agents;
        EXPECT_STREQ(list, "containers");
        EXPECT_FALSE(c.contains("restartPolicy"));
      }
    }
  }
  EXPECT_EQ(agents, 1);
  EXPECT_TRUE(RunAdmission(MakeReview(moved.patched, "UPDATE"), classic).patch.empty());
}

// Upgrading the webhook with a new agent image: a StatefulSet mutated by the old one gets the
// new image at its next UPDATE (any UPDATE, so also the coordinator's status annotation patch),
// in the init container and the sidecar, and nothing else in it changes. (Documented in the
// README's "Upgrading"; a changed pod template rolls the pods.)
TEST(IdempotencyProperty, NewAgentImageReplacesOnlyTheAgentImagesAtTheNextUpdate) {
  for (SidecarMode mode : {SidecarMode::kNative, SidecarMode::kClassic}) {
    InjectionOptions old_webhook;
    old_webhook.sidecar_mode = mode;
    old_webhook.agent_image = "redis-cluster-agent:0.1.0";
    InjectionOptions new_webhook = old_webhook;
    new_webhook.agent_image = "registry.example.com/redis-cluster-agent:0.2.0";
    json sts = TemplateGenerator(11).StatefulSet();
    json mutated =
        ApplyServerDefaults(RunAdmission(MakeReview(sts, "CREATE"), old_webhook).patched);

    AdmissionRun upgraded = RunAdmission(MakeReview(mutated, "UPDATE"), new_webhook);
    ASSERT_EQ(upgraded.http_status, 200);
    std::vector<std::string> changed;
    for (const json& op : upgraded.patch)
      changed.push_back(op["op"].get<std::string>() + " " + op["path"].get<std::string>());
    json images = json::array();
    for (const char* list : {"initContainers", "containers"}) {
      for (const json& c :
           upgraded.patched["spec"]["template"]["spec"].value(list, json::array())) {
        const std::string name = c["name"];
        if (name == "redis-cluster-init" || name == "redis-cluster-agent")
          images.push_back(c["image"]);
      }
    }
    EXPECT_EQ(images, json::array({new_webhook.agent_image, new_webhook.agent_image}));
    // Everything but the two images is as before.
    json expected = mutated;
    for (const char* list : {"initContainers", "containers"}) {
      auto& spec = expected["spec"]["template"]["spec"];
      if (!spec.contains(list)) continue;
      for (json& c : spec[list]) {
        if (c["name"] == "redis-cluster-init" || c["name"] == "redis-cluster-agent")
          c["image"] = new_webhook.agent_image;
      }
    }
    EXPECT_EQ(ApplyServerDefaults(upgraded.patched), ApplyServerDefaults(expected))
        << ::testing::PrintToString(changed);
    EXPECT_TRUE(RunAdmission(MakeReview(upgraded.patched, "UPDATE"), new_webhook).patch.empty());
  }
}

}  // namespace
}  // namespace rc::webhook::testing
