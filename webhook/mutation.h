// The pure mutation core: an AdmissionRequest in, an AdmissionResponse (allowed
// or denied, an RFC 6902 JSONPatch, warnings) out. No I/O, no clock, no
// globals: the same request and options always give the same answer.
//
// Only apps/v1 StatefulSets labelled redis-cluster=managed on CREATE/UPDATE are
// mutated; everything else is allowed untouched. The patch is the difference
// between the object and its mutated copy, and the mutation is idempotent, so
// the webhook run on its own output (or on the API server's defaulted copy of
// it) returns an empty patch.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "webhook/admission_review.h"
#include "webhook/injection_options.h"

namespace rc::webhook {

enum class Outcome {
  kIgnored,    // not ours: another kind, unlabelled, DELETE, a subresource
  kUnchanged,  // ours, already mutated: empty patch
  kPatched,    // ours, patch returned
  kDenied,     // ours, rejected with a reason
};

const char* OutcomeName(Outcome outcome);

struct MutationResult {
  AdmissionResponse response;
  Outcome outcome = Outcome::kIgnored;
};

MutationResult BuildPatch(const AdmissionRequest& request, const InjectionOptions& options);

// The mutated StatefulSet (used by BuildPatch; exposed for tests). `operation`
// is CREATE or UPDATE; warnings are appended. kInvalidArgument is a denial.
Result<nlohmann::json> MutateStatefulSet(const nlohmann::json& statefulset,
                                         const std::string& operation,
                                         const std::string& request_name,
                                         const InjectionOptions& options,
                                         std::vector<std::string>* warnings);

// True when the object carries metadata.labels["redis-cluster"] == "managed".
bool IsManaged(const nlohmann::json& object);

}  // namespace rc::webhook
