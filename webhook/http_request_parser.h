// HTTP/1.x request framing, pure: bytes received so far in, one request (or
// "need more bytes", or an error with the status to answer) out. The server
// calls it again on the same buffer after each read; it only scans the header
// block, so a body arriving in many reads costs one header parse per read.
//
// Supported: request line, headers, a body framed by Content-Length,
// keep-alive (HTTP/1.1 default, HTTP/1.0 on request), `Expect: 100-continue`.
// Refused with a status and a one-line message naming what was wrong: a
// malformed request line or header (400), a header block over the limit (431),
// a body over the limit (413, known from Content-Length before the body is
// read), Transfer-Encoding (501: an AdmissionReview always has a length).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rc::webhook {

struct HttpParseLimits {
  size_t max_header_bytes = 16 * 1024;  // request line + headers + blank line
  size_t max_headers = 100;             // header lines
  size_t max_body_bytes = 3 * 1024 * 1024;
};

// Views into the parsed buffer: valid until the caller changes it.
struct HttpRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // as sent: "/mutate?timeout=10s"
  std::string_view path;    // the target without its query: "/mutate"
  int minor_version = 1;    // HTTP/1.<minor_version>
  bool keep_alive = true;   // the client wants the connection kept after this request
  bool expect_continue = false;
  size_t content_length = 0;
  std::string_view body;
};

enum class HttpParseState {
  kNeedMore,     // the request is not complete yet; read more and call again
  kHeadersOnly,  // headers complete, body still arriving (request.body empty)
  kComplete,     // `request` is whole and `consumed` bytes belong to it
  kError,        // answer `error_status` with `error` and close the connection
                 // (on 413: `request` has the headers, `consumed` their bytes)
};

struct HttpParseResult {
  HttpParseState state = HttpParseState::kNeedMore;
  HttpRequest request;  // headers filled from kHeadersOnly on, body on kComplete
  size_t consumed = 0;  // kComplete: bytes of the buffer this request used
  int error_status = 0;
  std::string error;  // kError: one line, names what was wrong
};

HttpParseResult ParseHttpRequest(std::string_view buffer, const HttpParseLimits& limits);

}  // namespace rc::webhook
