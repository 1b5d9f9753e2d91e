#include "webhook/admission_review.h"

#include "webhook/base64.h"
#include "webhook/json_fast_parse.h"
#include "webhook/json_prefilter.h"
#include "webhook/json_writer.h"

namespace rc::webhook {
namespace {

using nlohmann::json;
using SkipPaths = std::vector<std::vector<std::string_view>>;

constexpr char kApiVersion[] = "admission.k8s.io/v1";
constexpr int kMaxNesting = 100;

// Reads an optional string field; a present non-string is an error.
Status OptionalString(const json& obj, const char* key, const std::string& where,
                      std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return InvalidArgument(where + "." + key + " is not a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

// Parses the body without building what is never used (the general path:
// handles any valid JSON and says what is wrong with invalid input).
Result<json> ParseReviewGeneral(std::string_view body, const SkipPaths& unused) {
  PrefilteredJson filtered = BlankMembers(body, unused);
  if (filtered.max_depth > kMaxNesting) {
    return InvalidArgument("request body nests deeper than " + std::to_string(kMaxNesting) +
                           " levels; not a Kubernetes object");
  }
  json review = json::parse(filtered.text, nullptr, /*allow_exceptions=*/false);
  bool skipped_valid = true;
  for (std::string_view value : filtered.blanked) {
    skipped_valid = skipped_valid && json::accept(value);  // lexes, builds nothing
  }
  if (review.is_discarded() || !skipped_valid) {
    return InvalidArgument(
        "request body is not valid JSON; want an admission.k8s.io/v1 "
        "AdmissionReview");
  }
  return review;
}

}  // namespace

Result<AdmissionRequest> DecodeAdmissionReview(std::string_view body) {
  // Never parsed: request.oldObject (the mutation depends on the new object
  // only), and in request.object what is never read nor patched and often most
  // of its bytes: metadata.managedFields and kubectl's last-applied annotation.
  static const SkipPaths kUnused = {{"request", "oldObject"},
                                    {"request", "object", "metadata", "managedFields"},
                                    {"request", "object", "metadata", "annotations",
                                     "kubectl.kubernetes.io/last-applied-configuration"}};
  // The fast path decides the common case (it leaves those members out); the
  // general one everything else, including every error message.
  json review;
  if (std::optional<json> fast = ParseJsonSkipping(body, kUnused, kMaxNesting)) {
    review = std::move(*fast);
  } else {
    Result<json> general = ParseReviewGeneral(body, kUnused);
    if (!general.ok()) return general.status();
    review = std::move(*general);
  }
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
  // Written by hand around the (large) base64 patch, which needs no escaping:
  // dumping it through a JSON string value would copy and scan it twice more.
  std::string out =
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":)";
  AppendCompactJson(json(response.uid), out);
  out += response.allowed ? R"(,"allowed":true)" : R"(,"allowed":false)";
  if (!response.allowed) {
    json status = {{"code", response.code == 0 ? 403 : response.code},
                   {"message", response.message}};
    out += R"(,"status":)";
    AppendCompactJson(status, out);
  }
  if (response.patch.is_array() && !response.patch.empty()) {
    std::string patch;
    patch.reserve(8192);
    AppendCompactJson(response.patch, patch);
    out += R"(,"patchType":"JSONPatch","patch":")";
    out += Base64Encode(patch);
    out += '"';
  }
  if (!response.warnings.empty()) {
    out += R"(,"warnings":)";
    AppendCompactJson(json(response.warnings), out);
  }
  out += "}}";
  return out;
}

}  // namespace rc::webhook
