#include "webhook/admission_review.h"

#include <algorithm>

#include "webhook/base64.h"

namespace rc::webhook {
namespace {

using nlohmann::json;

constexpr char kApiVersion[] = "admission.k8s.io/v1";
constexpr int kMaxNesting = 100;
constexpr size_t kMaxDetail = 200;  // of nlohmann's parse error in a message

// Reads an optional string field; a present non-string is an error.
Status OptionalString(const json& obj, const char* key, const std::string& where,
                      std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return InvalidArgument(where + "." + key + " is not a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

// Parses the body; request.oldObject is dropped as it is read (the mutation
// depends on the new object only). Refuses documents nested deeper than
// kMaxNesting: no Kubernetes object is, and later recursive passes would run
// out of stack.
Result<json> ParseReview(std::string_view body) {
  int max_depth = 0;
  const json::parser_callback_t keep = [&max_depth](int depth, json::parse_event_t event,
                                                    json& parsed) {
    max_depth = std::max(max_depth, depth);
    if (depth > kMaxNesting) return false;  // never built
    // Keys of the root's members' objects are at depth 2: request.oldObject
    // among them (nothing else at that depth is read but request's).
    return !(event == json::parse_event_t::key && depth == 2 && parsed == "oldObject");
  };
  try {
    json review = json::parse(body, keep);
    if (max_depth > kMaxNesting) {
      return InvalidArgument("request body nests deeper than " + std::to_string(kMaxNesting) +
                             " levels; not a Kubernetes object");
    }
    return review;
  } catch (const json::parse_error& e) {
    std::string detail = e.what();
    if (detail.size() > kMaxDetail) detail = detail.substr(0, kMaxDetail) + "...";
    return InvalidArgument(
        "request body is not valid JSON; want an admission.k8s.io/v1 AdmissionReview (" + detail +
        ")");
  }
}

}  // namespace

Result<AdmissionRequest> DecodeAdmissionReview(std::string_view body) {
  Result<json> parsed = ParseReview(body);
  if (!parsed.ok()) return parsed.status();
  json review = std::move(*parsed);
  if (!review.is_object()) return InvalidArgument("request body is not a JSON object");
  if (!review.contains("apiVersion") || review["apiVersion"] != kApiVersion) {
    std::string got = review.contains("apiVersion") ? review["apiVersion"].dump() : "missing";
    if (got.size() > 80) got = got.substr(0, 80) + "...";
    return InvalidArgument("apiVersion is " + got + "; want \"" + kApiVersion + "\"");
  }
  if (!review.contains("kind") || review["kind"] != "AdmissionReview") {
    return InvalidArgument("kind is not \"AdmissionReview\"");
  }
  auto request_it = review.find("request");
  if (request_it == review.end() || !request_it->is_object()) {
    return InvalidArgument("request is missing or not an object");
  }
  json& request = *request_it;
  AdmissionRequest out;
  RC_RETURN_IF_ERROR(OptionalString(request, "uid", "request", &out.uid));
  if (out.uid.empty()) return InvalidArgument("request.uid is missing or empty");
  RC_RETURN_IF_ERROR(OptionalString(request, "operation", "request", &out.operation));
  if (out.operation.empty()) return InvalidArgument("request.operation is missing or empty");
  RC_RETURN_IF_ERROR(OptionalString(request, "name", "request", &out.name));
  RC_RETURN_IF_ERROR(OptionalString(request, "namespace", "request", &out.namespace_name));
  RC_RETURN_IF_ERROR(OptionalString(request, "subResource", "request", &out.sub_resource));
  auto kind_it = request.find("kind");
  if (kind_it == request.end() || !kind_it->is_object()) {
    return InvalidArgument("request.kind is missing or not an object");
  }
  RC_RETURN_IF_ERROR(OptionalString(*kind_it, "group", "request.kind", &out.kind.group));
  RC_RETURN_IF_ERROR(OptionalString(*kind_it, "version", "request.kind", &out.kind.version));
  RC_RETURN_IF_ERROR(OptionalString(*kind_it, "kind", "request.kind", &out.kind.kind));
  auto object = request.find("object");
  if (object != request.end() && !object->is_null()) {
    if (!object->is_object()) return InvalidArgument("request.object is not an object");
    out.object = std::move(*object);
    auto metadata = out.object.find("metadata");
    if (metadata != out.object.end() && metadata->is_object()) {
      metadata->erase("managedFields");
      auto annotations = metadata->find("annotations");
      if (annotations != metadata->end() && annotations->is_object()) {
        annotations->erase("kubectl.kubernetes.io/last-applied-configuration");
      }
    }
  }
  return out;
}

std::string EncodeAdmissionReview(const AdmissionResponse& response) {
  json out = {{"uid", response.uid}, {"allowed", response.allowed}};
  if (!response.allowed) {
    out["status"] = {{"code", response.code == 0 ? 403 : response.code},
                     {"message", response.message}};
  }
  if (response.patch.is_array() && !response.patch.empty()) {
    out["patchType"] = "JSONPatch";
    out["patch"] =
        Base64Encode(response.patch.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  if (!response.warnings.empty()) out["warnings"] = response.warnings;
  const json review = {
      {"apiVersion", kApiVersion}, {"kind", "AdmissionReview"}, {"response", std::move(out)}};
  return review.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace rc::webhook
