#include "webhook/admission_handler.h"

#include <exception>

#include "webhook/admission_review.h"

namespace rc::webhook {
namespace {

HandlerReply BadRequest(const std::string& message) {
  HandlerReply reply;
  reply.http_status = 400;
  reply.content_type = "text/plain";
  reply.body = "bad AdmissionReview: " + message + "\n";
  reply.outcome = "bad_request";
  reply.summary = message;
  return reply;
}

}  // namespace

HandlerReply HandleAdmissionBody(std::string_view body, const InjectionOptions& options) {
  try {
    auto request = DecodeAdmissionReview(body);
    if (!request.ok()) return BadRequest(request.status().message());
    MutationResult result = BuildPatch(*request, options);
    HandlerReply reply;
    reply.body = EncodeAdmissionReview(result.response);
    reply.outcome = OutcomeName(result.outcome);
    reply.patch_operations = result.response.patch.size();
    reply.summary = request->operation + " " + request->kind.group + "/" + request->kind.version +
                    " " + request->kind.kind + " " + request->namespace_name + "/" + request->name +
                    " uid=" + request->uid;
    if (!result.response.allowed) reply.summary += " reason=\"" + result.response.message + "\"";
    return reply;
  } catch (const std::exception& e) {
    HandlerReply reply;
    reply.http_status = 500;
    reply.content_type = "text/plain";
    reply.body =
        std::string("internal error while handling the AdmissionReview: ") + e.what() + "\n";
    reply.outcome = "error";
    reply.summary = e.what();
    return reply;
  }
}

}  // namespace rc::webhook
