// libFuzzer target: the AdmissionReview decoder and the patch builder, with
// oracles. Any input must give an HTTP answer without crashing; a 500 (an
// exception escaping the core) is a bug; a 200 must be a valid
// AdmissionReview whose patch applies to the object; and the webhook run on
// its own output must allow it with an empty patch (idempotency).
//
// Inputs: a raw request body, or a golden case file
// (tests/unit/webhook/testdata/*.in.json: {"options":..., "review":...}),
// which makes those files good seeds.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "webhook/admission_handler.h"
#include "webhook/base64.h"

namespace {

using nlohmann::json;
using rc::webhook::HandleAdmissionBody;
using rc::webhook::HandlerReply;
using rc::webhook::InjectionOptions;
using rc::webhook::SidecarMode;

[[noreturn]] void Fail(const std::string& what, const std::string& body) {
  std::fprintf(stderr, "admission_fuzz: %s\ninput body: %.2000s\n", what.c_str(), body.c_str());
  std::abort();
}

// The patch of a 200 answer (empty when none); aborts when the answer is malformed.
json PatchOf(const HandlerReply& reply, const std::string& body, bool* allowed) {
  json answer = json::parse(reply.body, nullptr, false);
  if (!answer.is_object() || !answer.contains("response") || !answer["response"].is_object()) {
    Fail("200 answer is not an AdmissionReview: " + reply.body, body);
  }
  const json& response = answer["response"];
  *allowed = response.value("allowed", false);
  if (!response.contains("patch")) return json::array();
  auto decoded = rc::webhook::Base64Decode(response["patch"].get<std::string>());
  if (!decoded) Fail("patch is not base64", body);
  json patch = json::parse(*decoded, nullptr, false);
  if (!patch.is_array() || patch.empty()) Fail("patch is not a non-empty JSON array", body);
  return patch;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  InjectionOptions options;
  json input = json::parse(body, nullptr, false);
  if (input.is_object() && input.contains("review")) {
    if (input.contains("options") && input["options"].is_object() &&
        input["options"].value("sidecarMode", json("")) == "classic") {
      options.sidecar_mode = SidecarMode::kClassic;
    }
    body = input["review"].dump();
  }

  HandlerReply reply = HandleAdmissionBody(body, options);
  if (reply.http_status == 500) Fail("exception escaped the core: " + reply.summary, body);
  if (reply.http_status != 200) return 0;
  bool allowed = false;
  json patch = PatchOf(reply, body, &allowed);
  if (patch.empty()) return 0;

  json review = json::parse(body);  // the handler accepted it, so it parses
  json patched;
  try {
    patched = review["request"]["object"].patch(patch);
  } catch (const std::exception& e) {
    Fail(std::string("patch does not apply: ") + e.what() + "\npatch: " + patch.dump(), body);
  }
  review["request"]["object"] = patched;
  review["request"]["oldObject"] = patched;
  review["request"]["operation"] = "UPDATE";
  const std::string again_body = review.dump();
  HandlerReply again = HandleAdmissionBody(again_body, options);
  if (again.http_status != 200) Fail("own output rejected: " + again.body, again_body);
  bool again_allowed = false;
  json again_patch = PatchOf(again, again_body, &again_allowed);
  if (!again_allowed) Fail("own output denied: " + again.body, again_body);
  if (!again_patch.empty()) Fail("not idempotent; second patch: " + again_patch.dump(), again_body);
  return 0;
}
