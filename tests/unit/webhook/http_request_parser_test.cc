// HTTP/1.x request framing: what a kube-apiserver sends parses whole, partial
// input asks for more, and each malformed or unsupported request is refused
// with the status to answer and a message naming what was wrong.
#include "webhook/http_request_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "webhook/http_response.h"

namespace rc::webhook {
namespace {

// A request the way Go's net/http client (the API server's) writes it.
const std::string kAdmission =
    "POST /mutate?timeout=5s HTTP/1.1\r\n"
    "Host: redis-cluster-webhook.redis-cluster-system.svc:443\r\n"
    "User-Agent: kube-apiserver-admission\r\n"
    "Content-Length: 11\r\n"
    "Accept: application/json, */*\r\n"
    "Content-Type: application/json\r\n"
    "Accept-Encoding: gzip\r\n"
    "\r\n"
    "{\"kind\":1}\n";

// The result's views point into `text`: callers keep it alive.
HttpParseResult Parse(const std::string& text, HttpParseLimits limits = {}) {
  return ParseHttpRequest(text, limits);
}

TEST(HttpRequestParser, AnAdmissionRequestParsesWhole) {
  const HttpParseResult result = Parse(kAdmission);
  ASSERT_EQ(result.state, HttpParseState::kComplete) << result.error;
  EXPECT_EQ(result.request.method, "POST");
  EXPECT_EQ(result.request.target, "/mutate?timeout=5s");
  EXPECT_EQ(result.request.path, "/mutate");
  EXPECT_EQ(result.request.minor_version, 1);
  EXPECT_TRUE(result.request.keep_alive);
  EXPECT_FALSE(result.request.expect_continue);
  EXPECT_EQ(result.request.body, "{\"kind\":1}\n");
  EXPECT_EQ(result.consumed, kAdmission.size());
}

TEST(HttpRequestParser, EveryPrefixAsksForMore) {
  for (size_t n = 0; n < kAdmission.size(); ++n) {
    const HttpParseResult result = Parse(kAdmission.substr(0, n));
    EXPECT_TRUE(result.state == HttpParseState::kNeedMore ||
                result.state == HttpParseState::kHeadersOnly)
        << "prefix of " << n << " bytes: state " << static_cast<int>(result.state) << " "
        << result.error;
  }
  EXPECT_EQ(Parse(kAdmission.substr(0, kAdmission.size() - 1)).state, HttpParseState::kHeadersOnly);
}

TEST(HttpRequestParser, PipelinedRequestsComeOneAtATime) {
  const std::string two = kAdmission + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  const HttpParseResult first = Parse(two);
  ASSERT_EQ(first.state, HttpParseState::kComplete);
  EXPECT_EQ(first.consumed, kAdmission.size());
  const std::string rest = two.substr(first.consumed);
  const HttpParseResult second = Parse(rest);
  ASSERT_EQ(second.state, HttpParseState::kComplete);
  EXPECT_EQ(second.request.method, "GET");
  EXPECT_EQ(second.request.path, "/healthz");
  EXPECT_EQ(second.request.body, "");
}

TEST(HttpRequestParser, ConnectionAndVersionDecideKeepAlive) {
  struct Case {
    std::string version, connection;
    bool keep_alive;
  } cases[] = {
      {"HTTP/1.1", "", true},
      {"HTTP/1.1", "Connection: close\r\n", false},
      {"HTTP/1.1", "Connection: Keep-Alive, Upgrade\r\n", true},
      {"HTTP/1.1", "connection: upgrade, CLOSE\r\n", false},
      {"HTTP/1.0", "", false},
      {"HTTP/1.0", "Connection: keep-alive\r\n", true},
  };
  for (const Case& c : cases) {
    const HttpParseResult result = Parse("GET / " + c.version + "\r\n" + c.connection + "\r\n");
    ASSERT_EQ(result.state, HttpParseState::kComplete) << result.error;
    EXPECT_EQ(result.request.keep_alive, c.keep_alive) << c.version << " " << c.connection;
  }
}

TEST(HttpRequestParser, ExpectContinueIsSeenWithTheHeaders) {
  const HttpParseResult result =
      Parse("POST /mutate HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-Continue\r\n\r\n");
  ASSERT_EQ(result.state, HttpParseState::kHeadersOnly) << result.error;
  EXPECT_TRUE(result.request.expect_continue);
  EXPECT_EQ(result.request.content_length, 5u);
}

TEST(HttpRequestParser, LeadingEmptyLinesAreIgnored) {
  const std::string text = "\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n";
  const HttpParseResult result = Parse(text);
  ASSERT_EQ(result.state, HttpParseState::kComplete) << result.error;
  EXPECT_EQ(result.request.path, "/healthz");
}

TEST(HttpRequestParser, RefusalsNameWhatWasWrong) {
  struct Case {
    std::string request;
    int status;
    std::string message_part;
  } cases[] = {
      {"GARBAGE\r\n\r\n", 400, "malformed request line \"GARBAGE\""},
      {"GET /a b HTTP/1.1\r\n\r\n", 400, "bad request target \"/a b\""},
      {"GET http://x/ HTTP/1.1\r\n\r\n", 400, "bad request target"},
      {"G(T / HTTP/1.1\r\n\r\n", 400, "bad method"},
      {"GET / HTTP/2.0\r\n\r\n", 505, "HTTP version \"HTTP/2.0\""},
      {"GET / SPDY/3\r\n\r\n", 400, "malformed request line"},
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, "header line \"NoColon\" has no ':'"},
      {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400, "bad header name \"Bad Name\""},
      {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400, "folded header line"},
      {"POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n", 400, "bad Content-Length \"12x\""},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "bad Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400,
       "bad Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400,
       "two different Content-Length headers"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501,
       "Transfer-Encoding \"chunked\" is not supported; send a Content-Length"},
      {"POST / HTTP/1.1\r\nExpect: magic\r\n\r\n", 417, "Expect \"magic\" is not supported"},
  };
  for (const Case& c : cases) {
    const HttpParseResult result = Parse(c.request);
    ASSERT_EQ(result.state, HttpParseState::kError) << c.request;
    EXPECT_EQ(result.error_status, c.status) << c.request;
    EXPECT_NE(result.error.find(c.message_part), std::string::npos)
        << "for " << c.request << " got: " << result.error;
  }
}

TEST(HttpRequestParser, ATooLargeBodyIsRefusedFromItsContentLength) {
  HttpParseLimits limits;
  limits.max_body_bytes = 1000;
  const std::string head = "POST /mutate HTTP/1.1\r\nContent-Length: 1001\r\n\r\n";
  const HttpParseResult result = Parse(head, limits);  // before any body byte
  ASSERT_EQ(result.state, HttpParseState::kError);
  EXPECT_EQ(result.error_status, 413);
  EXPECT_NE(result.error.find("1001 bytes is larger than 1000 bytes"), std::string::npos)
      << result.error;
  EXPECT_EQ(result.request.content_length, 1001u);  // so the server can skip it
  EXPECT_EQ(result.consumed, head.size());
  EXPECT_EQ(Parse("POST /mutate HTTP/1.1\r\nContent-Length: 1000\r\n\r\n", limits).state,
            HttpParseState::kHeadersOnly);
}

TEST(HttpRequestParser, HeaderBlockLimits) {
  HttpParseLimits limits;
  limits.max_header_bytes = 100;
  const HttpParseResult endless = Parse("GET / HTTP/1.1\r\nX: " + std::string(200, 'a'), limits);
  ASSERT_EQ(endless.state, HttpParseState::kError);
  EXPECT_EQ(endless.error_status, 431);
  EXPECT_NE(endless.error.find("larger than 100 bytes"), std::string::npos) << endless.error;
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nX: " + std::string(50, 'a'), limits).state,
            HttpParseState::kNeedMore);

  limits = HttpParseLimits{};
  limits.max_headers = 3;
  const HttpParseResult many =
      Parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits);
  ASSERT_EQ(many.state, HttpParseState::kError);
  EXPECT_EQ(many.error_status, 431);
  EXPECT_NE(many.error.find("more than 3 header lines"), std::string::npos) << many.error;
}

TEST(HttpRequestParser, ControlCharactersInMessagesArePrintedSafely) {
  const HttpParseResult result = Parse(std::string("GET\x01\x1b[2J\r\n\r\n"));
  ASSERT_EQ(result.state, HttpParseState::kError);
  EXPECT_EQ(result.error.find('\x1b'), std::string::npos) << result.error;
}

TEST(HttpResponse, WritesStatusHeadersAndBody) {
  std::string out;
  AppendHttpResponse(HttpResponse{200, "application/json", "{}"}, /*keep_alive=*/true, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
  out.clear();
  AppendHttpResponse(HttpResponse{413, "text/plain", "too big\n"}, /*keep_alive=*/false, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 413 Content Too Large\r\nContent-Type: text/plain\r\nContent-Length: "
            "8\r\nConnection: close\r\n\r\ntoo big\n");
}

}  // namespace
}  // namespace rc::webhook
