// Runs AdmissionReviews through the whole core (decode -> BuildPatch ->
// encode) and applies the returned patch the way the API server does, with
// nlohmann::json::patch (RFC 6902). Also simulates API-server defaulting, so
// idempotency is checked against what the webhook really sees on UPDATE.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "webhook/injection_options.h"

namespace rc::webhook::testing {

struct AdmissionRun {
  int http_status = 0;
  nlohmann::json response;                         // the AdmissionReview's `response`
  nlohmann::json patch = nlohmann::json::array();  // decoded from base64
  nlohmann::json patched;                          // request.object with the patch applied
};

AdmissionRun RunAdmission(const nlohmann::json& review, const InjectionOptions& options);

// A review of `object` for `operation` (UPDATE: oldObject = object).
nlohmann::json MakeReview(const nlohmann::json& object, const std::string& operation);

// Adds the defaults the API server would add to a StatefulSet (protocol TCP,
// terminationMessagePath, probe thresholds, fieldRef apiVersion, ...).
nlohmann::json ApplyServerDefaults(nlohmann::json statefulset);

InjectionOptions OptionsFromJson(const nlohmann::json& options);

}  // namespace rc::webhook::testing
