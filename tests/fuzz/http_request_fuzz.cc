// libFuzzer target: HTTP/1.x request framing (http_request_parser.h). Any
// input must give a state without crashing, and the oracles hold: a complete
// request lies inside the input, its body is exactly Content-Length bytes
// right before `consumed`; every error has a 4xx/5xx status and a message;
// and parsing only the bytes a complete request used gives the same request.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "webhook/http_request_parser.h"

namespace {

using rc::webhook::HttpParseLimits;
using rc::webhook::HttpParseResult;
using rc::webhook::HttpParseState;
using rc::webhook::ParseHttpRequest;

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  HttpParseLimits limits;
  limits.max_header_bytes = 1024;
  limits.max_body_bytes = 4096;
  limits.max_headers = 20;
  const HttpParseResult result = ParseHttpRequest(input, limits);
  switch (result.state) {
    case HttpParseState::kNeedMore:
    case HttpParseState::kHeadersOnly:
      break;
    case HttpParseState::kError:
      Check(result.error_status >= 400 && result.error_status < 600);
      Check(!result.error.empty());
      Check(result.error.find('\n') == std::string::npos);
      break;
    case HttpParseState::kComplete: {
      Check(result.consumed <= input.size());
      Check(result.request.body.size() == result.request.content_length);
      Check(result.request.content_length <= limits.max_body_bytes);
      const char* end = input.data() + result.consumed;
      Check(result.request.body.data() + result.request.body.size() == end);
      const std::string used = input.substr(0, result.consumed);
      const HttpParseResult again = ParseHttpRequest(used, limits);
      Check(again.state == HttpParseState::kComplete);
      Check(again.consumed == result.consumed);
      Check(again.request.method == result.request.method);
      Check(again.request.target == result.request.target);
      Check(again.request.keep_alive == result.request.keep_alive);
      break;
    }
  }
  return 0;
}
