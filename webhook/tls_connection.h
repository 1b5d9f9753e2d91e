// One accepted HTTPS connection on a non-blocking socket: the TLS handshake,
// HTTP/1.1 requests framed by ParseHttpRequest (keep-alive, pipelining,
// `Expect: 100-continue`), the handler called inline for each request, and
// the answers written back. Owned and driven by one event-loop thread
// (HttpsServer); never shared between threads.
//
// Drive() does all the work the socket allows now and says what to wait for
// next. Bad requests are answered with their status and a message and the
// connection is then closed; a 413 body announced by Content-Length is read and
// dropped first, so the client gets to read the answer.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "webhook/http_request_parser.h"
#include "webhook/http_response.h"

namespace rc::webhook {

// Fills `response` for one request. `peer` is the client's IP address.
// Exceptions are caught by the connection and answered with a 500.
using HttpHandler = std::function<void(const HttpRequest& request, const std::string& peer,
                                       HttpResponse* response)>;
// Told of each request refused before it reached the handler (bad framing,
// too large), after the refusal was logged; may be empty.
using HttpRefusalObserver = std::function<void(int status, const std::string& peer)>;

struct HttpCallbacks {
  HttpHandler handle;
  HttpRefusalObserver refused;
};

struct ConnectionLimits {
  HttpParseLimits parse;
  int64_t io_timeout_ms = 10'000;       // handshake, a request arriving, an answer leaving
  int64_t idle_timeout_ms = 10'000;     // a kept-alive connection between requests
  int64_t request_timeout_ms = 30'000;  // first byte of a request to its last (slow senders)
  size_t max_requests = 100'000;        // then the connection is closed after its answer
};

class TlsConnection {
 public:
  enum class Wait { kRead, kWrite, kClose };

  // Takes ownership of `fd` (non-blocking, accepted) and `ssl` (bound to fd).
  // `limits`, `callbacks` and `server_stopping` outlive the connection; once
  // `server_stopping` is true, answers say `Connection: close` and the
  // connection closes after them.
  TlsConnection(int fd, SSL* ssl, std::string peer, const ConnectionLimits* limits,
                const HttpCallbacks* callbacks, const std::atomic<bool>* server_stopping,
                int64_t now_ms);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  // Handshakes, reads, answers and writes as far as possible without blocking.
  Wait Drive(int64_t now_ms);

  // Sends a TLS close_notify (best effort, never blocks) before the socket is
  // closed between requests, so the client sees a clean close.
  void SayGoodbye();
  // Between requests with nothing buffered either way.
  bool Idle() const;
  // When the connection should be dropped unless it makes progress first.
  int64_t DeadlineMs() const;

  int fd() const { return fd_; }
  const std::string& peer() const { return peer_; }
  // The interest registered with epoll (kept by the event loop).
  Wait registered = Wait::kRead;

 private:
  enum class State { kHandshake, kOpen };
  bool Handshake(int64_t now_ms, Wait* wait);
  bool ReadAvailable(int64_t now_ms, Wait* wait);
  void AnswerRequests();
  void AnswerOne(const HttpRequest& request);
  void AnswerError(const HttpParseResult& result);
  bool Flush(int64_t now_ms, Wait* wait);
  size_t PendingOut() const { return out_.size() - out_sent_; }

  const int fd_;
  SSL* const ssl_;
  const std::string peer_;
  const ConnectionLimits& limits_;
  const HttpCallbacks& callbacks_;
  State state_ = State::kHandshake;
  std::string in_;      // plaintext received, from in_used_ on not yet answered
  size_t in_used_ = 0;  // bytes of in_ already answered (or dropped)
  std::string out_;     // plaintext to send, from out_sent_ on
  size_t out_sent_ = 0;
  size_t discard_left_ = 0;  // body bytes of a refused request still to drop
  size_t requests_ = 0;
  bool sent_continue_ = false;
  bool close_after_write_ = false;
  bool peer_closed_ = false;
  const std::atomic<bool>& server_stopping_;
  int64_t last_progress_ms_;
  int64_t request_started_ms_ = 0;  // first byte of the request being received
};

}  // namespace rc::webhook
