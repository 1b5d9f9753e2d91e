// An HTTP/1.1 answer and its bytes on the wire. Pure.
#pragma once

#include <string>

namespace rc::webhook {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
};

// "OK", "Bad Request", ...; "Unknown" for a status this server never sends.
const char* HttpReasonPhrase(int status);

// Appends the status line, Content-Type, Content-Length, `Connection: close`
// when `keep_alive` is false, and the body.
void AppendHttpResponse(const HttpResponse& response, bool keep_alive, std::string* out);

}  // namespace rc::webhook
