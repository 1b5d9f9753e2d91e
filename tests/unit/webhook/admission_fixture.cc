#include "tests/unit/webhook/admission_fixture.h"

#include <stdexcept>

#include "webhook/admission_handler.h"
#include "webhook/base64.h"

namespace rc::webhook::testing {

using nlohmann::json;

AdmissionRun RunAdmission(const json& review, const InjectionOptions& options) {
  HandlerReply reply = HandleAdmissionBody(review.dump(), options);
  AdmissionRun run;
  run.http_status = reply.http_status;
  if (reply.http_status != 200) return run;
  json answer = json::parse(reply.body);
  run.response = answer.at("response");
  const json& object = review.at("request").value("object", json());
  run.patched = object;
  if (run.response.contains("patch")) {
    if (run.response.value("patchType", "") != "JSONPatch")
      throw std::runtime_error("no patchType");
    auto decoded = Base64Decode(run.response["patch"].get<std::string>());
    if (!decoded) throw std::runtime_error("patch is not base64");
    run.patch = json::parse(*decoded);
    run.patched = object.patch(run.patch);
  }
  return run;
}

json MakeReview(const json& object, const std::string& operation) {
  json request = {{"uid", "uid-" + operation},
                  {"kind", {{"group", "apps"}, {"version", "v1"}, {"kind", "StatefulSet"}}},
                  {"name", object["metadata"].value("name", "")},
                  {"namespace", "redis-demo"},
                  {"operation", operation},
                  {"object", object}};
  if (operation == "UPDATE") request["oldObject"] = object;
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", request}};
}

namespace {

void DefaultProbe(json& probe) {
  if (!probe.is_object()) return;
  for (const auto& [key, value] : {std::pair<const char*, int>{"timeoutSeconds", 1},
                                   {"periodSeconds", 10},
                                   {"successThreshold", 1},
                                   {"failureThreshold", 3}}) {
    if (!probe.contains(key)) probe[key] = value;
  }
  if (probe.contains("httpGet") && !probe["httpGet"].contains("scheme")) {
    probe["httpGet"]["scheme"] = "HTTP";
  }
}

void DefaultContainer(json& c) {
  if (!c.contains("terminationMessagePath")) c["terminationMessagePath"] = "/dev/termination-log";
  if (!c.contains("terminationMessagePolicy")) c["terminationMessagePolicy"] = "File";
  if (!c.contains("imagePullPolicy")) c["imagePullPolicy"] = "IfNotPresent";
  if (!c.contains("resources")) c["resources"] = json::object();
  if (c.contains("ports")) {
    for (json& p : c["ports"]) {
      if (!p.contains("protocol")) p["protocol"] = "TCP";
    }
  }
  if (c.contains("env")) {
    for (json& e : c["env"]) {
      if (e.contains("valueFrom") && e["valueFrom"].contains("fieldRef") &&
          !e["valueFrom"]["fieldRef"].contains("apiVersion")) {
        e["valueFrom"]["fieldRef"]["apiVersion"] = "v1";
      }
    }
  }
  for (const char* probe : {"readinessProbe", "livenessProbe", "startupProbe"}) {
    if (c.contains(probe)) DefaultProbe(c[probe]);
  }
}

}  // namespace

json ApplyServerDefaults(json sts) {
  json& spec = sts["spec"];
  if (!spec.contains("revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
  if (!spec.contains("updateStrategy")) {
    spec["updateStrategy"] = {{"type", "RollingUpdate"}, {"rollingUpdate", {{"partition", 0}}}};
  }
  if (!spec.contains("podManagementPolicy")) spec["podManagementPolicy"] = "OrderedReady";
  json& pod = spec["template"]["spec"];
  for (const auto& [key, value] : {std::pair<const char*, json>{"restartPolicy", "Always"},
                                   {"dnsPolicy", "ClusterFirst"},
                                   {"schedulerName", "default-scheduler"},
                                   {"securityContext", json::object()}}) {
    if (!pod.contains(key)) pod[key] = value;
  }
  for (const char* list : {"containers", "initContainers"}) {
    if (!pod.contains(list)) continue;
    for (json& c : pod[list]) DefaultContainer(c);
  }
  return sts;
}

InjectionOptions OptionsFromJson(const json& options) {
  InjectionOptions out;
  if (options.is_object()) {
    if (options.value("sidecarMode", "native") == "classic")
      out.sidecar_mode = SidecarMode::kClassic;
    out.agent_image = options.value("agentImage", out.agent_image);
  }
  return out;
}

}  // namespace rc::webhook::testing
