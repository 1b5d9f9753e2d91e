// The injected pod passes the `restricted` Pod Security Standard as a whole,
// checked here by the standard's rules for every container (init, sidecar,
// redis), and a user's own security context is kept.
#include "webhook/pod_security.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/webhook/admission_fixture.h"

namespace rc::webhook {
namespace {

using nlohmann::json;

const json& Field(const json& object, const char* name) {
  static const json kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

// The `restricted` profile's rules (Kubernetes Pod Security Standards, v1.29):
// runAsNonRoot true and seccomp RuntimeDefault/Localhost at pod or container
// level, no runAsUser 0, allowPrivilegeEscalation false, capabilities drop ALL
// (add at most NET_BIND_SERVICE), no privileged, volumes of allowed types.
std::vector<std::string> RestrictedViolations(const json& pod_spec) {
  std::vector<std::string> out;
  const json& pod = Field(pod_spec, "securityContext");
  const bool pod_non_root = Field(pod, "runAsNonRoot") == true;
  const json& pod_seccomp = Field(Field(pod, "seccompProfile"), "type");
  const bool pod_seccomp_ok = pod_seccomp == "RuntimeDefault" || pod_seccomp == "Localhost";
  if (Field(pod, "runAsUser") == 0) out.push_back("pod runAsUser 0");
  for (const char* list : {"initContainers", "containers"}) {
    for (const json& c : Field(pod_spec, list)) {
      const std::string name = Field(c, "name").get<std::string>();
      const json& sc = Field(c, "securityContext");
      const json& non_root = Field(sc, "runAsNonRoot");
      if (!(non_root == true || (non_root.is_null() && pod_non_root)))
        out.push_back(name + ": runAsNonRoot is not true");
      if (Field(sc, "runAsUser") == 0) out.push_back(name + ": runAsUser 0");
      const json& seccomp = Field(Field(sc, "seccompProfile"), "type");
      if (!(seccomp == "RuntimeDefault" || seccomp == "Localhost" ||
            (seccomp.is_null() && pod_seccomp_ok)))
        out.push_back(name + ": no RuntimeDefault/Localhost seccomp profile");
      if (Field(sc, "allowPrivilegeEscalation") != false)
        out.push_back(name + ": allowPrivilegeEscalation is not false");
      if (Field(sc, "privileged") == true) out.push_back(name + ": privileged");
      const json& caps = Field(sc, "capabilities");
      bool drops_all = false;
      for (const json& d : Field(caps, "drop")) drops_all = drops_all || d == "ALL";
      if (!drops_all) out.push_back(name + ": capabilities do not drop ALL");
      for (const json& a : Field(caps, "add"))
        if (a != "NET_BIND_SERVICE") out.push_back(name + ": adds capability " + a.dump());
    }
  }
  for (const json& v : Field(pod_spec, "volumes")) {
    bool allowed = false;
    for (const char* kind : {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                             "persistentVolumeClaim", "projected", "secret"})
      allowed = allowed || v.contains(kind);
    if (!allowed) out.push_back("volume " + Field(v, "name").get<std::string>() + " type");
  }
  return out;
}

json Golden(const std::string& name) {
  std::ifstream in(std::string(RC_WEBHOOK_TESTDATA) + "/" + name + ".in.json");
  return json::parse(in);
}

testing::AdmissionRun Admit(const json& input) {
  return testing::RunAdmission(input["review"],
                               testing::OptionsFromJson(input.value("options", json())));
}

TEST(PodSecurity, TheInjectedPodPassesRestrictedAsAWhole) {
  for (const char* name : {"minimal", "valkey", "with-pvc", "tls", "classic-sidecar"}) {
    auto run = Admit(Golden(name));
    ASSERT_EQ(run.http_status, 200) << name;
    ASSERT_TRUE(run.response["allowed"].get<bool>()) << name;
    const json& pod = run.patched["spec"]["template"]["spec"];
    EXPECT_EQ(RestrictedViolations(pod), std::vector<std::string>{}) << name;
    EXPECT_EQ(pod["securityContext"]["fsGroup"], kRedisUid) << name;
  }
}

TEST(PodSecurity, TheCheckerCatchesWhatRestrictedForbids) {
  auto run = Admit(Golden("minimal"));
  json pod = run.patched["spec"]["template"]["spec"];
  ASSERT_TRUE(RestrictedViolations(pod).empty());
  json root = pod;
  root["securityContext"].erase("runAsNonRoot");
  EXPECT_FALSE(RestrictedViolations(root).empty()) << "no runAsNonRoot anywhere for redis";
  json escalates = pod;
  escalates["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = true;
  EXPECT_FALSE(RestrictedViolations(escalates).empty());
  json host = pod;
  host["volumes"].push_back({{"name", "h"}, {"hostPath", {{"path", "/"}}}});
  EXPECT_FALSE(RestrictedViolations(host).empty());
}

TEST(PodSecurity, TheUsersOwnContextsAreKept) {
  json input = Golden("minimal");
  json& tmpl = input["review"]["request"]["object"]["spec"]["template"]["spec"];
  tmpl["securityContext"] = {{"runAsUser", 1001}, {"fsGroup", 1001}};
  tmpl["containers"][0]["securityContext"] = {{"readOnlyRootFilesystem", true}};
  auto run = Admit(input);
  ASSERT_TRUE(run.response["allowed"].get<bool>());
  const json& pod = run.patched["spec"]["template"]["spec"];
  EXPECT_EQ(pod["securityContext"], json({{"runAsUser", 1001}, {"fsGroup", 1001}}));
  EXPECT_EQ(pod["containers"][0]["securityContext"], json({{"readOnlyRootFilesystem", true}}));
  std::string warnings = run.response.value("warnings", json::array()).dump();
  EXPECT_NE(warnings.find("do not pass the restricted Pod Security Standard"), std::string::npos)
      << warnings;
}

}  // namespace
}  // namespace rc::webhook
