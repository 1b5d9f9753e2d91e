// The admission.k8s.io/v1 AdmissionReview codec: bytes in, a typed request
// out (every malformed input becomes kInvalidArgument naming what was wrong,
// no exception escapes); a typed response in, bytes out.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rc::webhook {

struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;
};

struct AdmissionRequest {
  std::string uid;
  GroupVersionKind kind;
  std::string sub_resource;
  std::string operation;  // CREATE, UPDATE, DELETE, CONNECT
  std::string name;
  std::string namespace_name;
  // request.object without metadata.managedFields and the annotation
  // kubectl.kubernetes.io/last-applied-configuration (never read nor patched
  // here); null for DELETE. request.oldObject is dropped while parsing: the
  // mutation depends on the new object only.
  nlohmann::json object;
};

struct AdmissionResponse {
  std::string uid;
  bool allowed = true;
  std::string message;                             // denial reason (one line)
  int code = 0;                                    // HTTP-like status code of a denial
  nlohmann::json patch = nlohmann::json::array();  // RFC 6902 operations
  std::vector<std::string> warnings;
};

// Decodes an AdmissionReview body. Errors name the field (apiVersion, kind,
// request, request.uid, ...).
Result<AdmissionRequest> DecodeAdmissionReview(std::string_view body);

// Encodes the response as an AdmissionReview (patch base64-encoded, patchType
// JSONPatch, only when non-empty).
std::string EncodeAdmissionReview(const AdmissionResponse& response);

}  // namespace rc::webhook
