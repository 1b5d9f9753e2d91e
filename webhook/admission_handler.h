// The body of `POST /mutate`, transport-free: request bytes in, HTTP status and
// response bytes out. Malformed input is a 400 with a one-line message; a bug
// (an exception from deep inside) is a 500 with a message, never a crash. Used
// by the HTTPS server and by the fuzz target.
#pragma once

#include <string>
#include <string_view>

#include "webhook/injection_options.h"
#include "webhook/mutation.h"

namespace rc::webhook {

struct HandlerReply {
  int http_status = 200;
  std::string content_type = "application/json";
  std::string body;
  // For metrics and the access log:
  std::string outcome;  // ignored | unchanged | patched | denied | bad_request | error
  size_t patch_operations = 0;
  std::string summary;  // "CREATE apps/v1 StatefulSet ns/name uid=..." or the error
};

HandlerReply HandleAdmissionBody(std::string_view body, const InjectionOptions& options);

}  // namespace rc::webhook
