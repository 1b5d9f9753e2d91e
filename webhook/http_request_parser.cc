#include "webhook/http_request_parser.h"

#include <cstdint>

namespace rc::webhook {
namespace {

constexpr std::string_view kCrlf = "\r\n";

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Printable for an error message: at most 40 characters, controls as '?'.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < 40; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (s.size() > 40) out += "...";
  return out + "\"";
}

HttpParseResult Error(int status, std::string message) {
  HttpParseResult result;
  result.state = HttpParseState::kError;
  result.error_status = status;
  result.error = std::move(message);
  return result;
}

// Applies one "Name: value" line to `request`; an error message when the line
// is malformed or asks for something this server does not do.
std::string ApplyHeader(std::string_view line, bool* saw_content_length, HttpRequest* request,
                        int* status) {
  *status = 400;
  if (line.front() == ' ' || line.front() == '\t') {
    return "folded header line " + Quote(line) + " (obsolete line folding is not accepted)";
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return "header line " + Quote(line) + " has no ':'";
  const std::string_view name = line.substr(0, colon);
  if (!IsToken(name)) return "bad header name " + Quote(name);
  const std::string_view value = TrimSpaces(line.substr(colon + 1));
  for (char c : value) {
    if (c == '\0' || c == '\r' || c == '\n')
      return "header " + std::string(name) + " has a control character";
  }
  if (EqualsIgnoreCase(name, "content-length")) {
    if (value.empty() || value.size() > 18) return "bad Content-Length " + Quote(value);
    uint64_t length = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return "bad Content-Length " + Quote(value);
      length = length * 10 + static_cast<uint64_t>(c - '0');
    }
    if (*saw_content_length && length != request->content_length) {
      return "two different Content-Length headers";
    }
    *saw_content_length = true;
    request->content_length = static_cast<size_t>(length);
  } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
    *status = 501;
    return "Transfer-Encoding " + Quote(value) + " is not supported; send a Content-Length";
  } else if (EqualsIgnoreCase(name, "connection")) {
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view option = TrimSpaces(rest.substr(0, comma));
      if (EqualsIgnoreCase(option, "close")) request->keep_alive = false;
      if (EqualsIgnoreCase(option, "keep-alive")) request->keep_alive = true;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  } else if (EqualsIgnoreCase(name, "expect")) {
    if (!EqualsIgnoreCase(value, "100-continue")) {
      *status = 417;
      return "Expect " + Quote(value) + " is not supported (only 100-continue)";
    }
    request->expect_continue = true;
  }
  return "";
}

}  // namespace

HttpParseResult ParseHttpRequest(std::string_view buffer, const HttpParseLimits& limits) {
  // Empty lines before a request line are ignored (RFC 9112 section 2.2).
  size_t start = 0;
  while (buffer.substr(start, 2) == kCrlf) start += 2;
  const size_t header_end = buffer.find("\r\n\r\n", start);
  if (header_end == std::string_view::npos || header_end + 4 - start > limits.max_header_bytes) {
    if (buffer.size() - start > limits.max_header_bytes) {
      return Error(431, "request line and headers larger than " +
                            std::to_string(limits.max_header_bytes) + " bytes");
    }
    return HttpParseResult{};  // kNeedMore
  }

  HttpParseResult result;
  HttpRequest& request = result.request;
  std::string_view head = buffer.substr(start, header_end - start);
  const size_t line_end = head.find(kCrlf);
  const std::string_view request_line = head.substr(0, line_end);
  head = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);

  const size_t first_space = request_line.find(' ');
  const size_t last_space = request_line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) {
    return Error(400, "malformed request line " + Quote(request_line));
  }
  request.method = request_line.substr(0, first_space);
  request.target = request_line.substr(first_space + 1, last_space - first_space - 1);
  const std::string_view version = request_line.substr(last_space + 1);
  if (!IsToken(request.method)) return Error(400, "bad method " + Quote(request.method));
  if (request.target.empty() || request.target.front() != '/') {
    return Error(400, "bad request target " + Quote(request.target) + " (want a path)");
  }
  for (char c : request.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Error(400, "bad request target " + Quote(request.target));
    }
  }
  if (version == "HTTP/1.1") {
    request.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    request.minor_version = 0;
    request.keep_alive = false;  // unless a Connection: keep-alive header says so
  } else if (version.substr(0, 5) == "HTTP/") {
    return Error(505, "HTTP version " + Quote(version) + " is not supported (HTTP/1.0 or 1.1)");
  } else {
    return Error(400, "malformed request line " + Quote(request_line));
  }
  request.path = request.target.substr(0, request.target.find('?'));

  bool saw_content_length = false;
  size_t headers = 0;
  while (!head.empty()) {
    const size_t end = head.find(kCrlf);
    const std::string_view line = head.substr(0, end);
    head = end == std::string_view::npos ? std::string_view() : head.substr(end + 2);
    if (line.empty()) continue;
    if (++headers > limits.max_headers) {
      return Error(431, "more than " + std::to_string(limits.max_headers) + " header lines");
    }
    int status = 0;
    std::string problem = ApplyHeader(line, &saw_content_length, &request, &status);
    if (!problem.empty()) return Error(status, std::move(problem));
  }

  const size_t body_start = header_end + 4;
  if (request.content_length > limits.max_body_bytes) {
    HttpParseResult too_large =
        Error(413, "request body of " + std::to_string(request.content_length) +
                       " bytes is larger than " + std::to_string(limits.max_body_bytes) +
                       " bytes; an AdmissionReview is far smaller");
    too_large.request = request;  // the caller may skip the body it announced
    too_large.consumed = body_start;
    return too_large;
  }
  if (buffer.size() - body_start < request.content_length) {
    result.state = HttpParseState::kHeadersOnly;
    return result;
  }
  request.body = buffer.substr(body_start, request.content_length);
  result.consumed = body_start + request.content_length;
  result.state = HttpParseState::kComplete;
  return result;
}

}  // namespace rc::webhook
