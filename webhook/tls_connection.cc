#include "webhook/tls_connection.h"

#include <openssl/err.h>
#include <unistd.h>

#include <algorithm>
#include <exception>

#include "common/log.h"

namespace rc::webhook {
namespace {

constexpr size_t kReadChunk = 16 * 1024;           // one TLS record at most
constexpr size_t kMaxPendingOut = 256 * 1024;      // stop reading while this much waits
constexpr size_t kMaxDiscard = 64 * 1024 * 1024;   // a larger refused body: just close
constexpr size_t kKeepBufferCapacity = 64 * 1024;  // larger idle buffers are released

// The OpenSSL error queue as one line (and emptied, so it cannot leak into the
// next connection's error on this thread).
std::string TlsErrorText(int ssl_error) {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  if (!text.empty()) return text;
  if (ssl_error == SSL_ERROR_SYSCALL) return "connection closed or reset by the client";
  return "TLS error " + std::to_string(ssl_error);
}

// Whether an OpenSSL call has to wait for the socket, and which way; false
// for an error or the end of the connection.
bool MustWait(int ssl_error, TlsConnection::Wait* wait) {
  if (ssl_error == SSL_ERROR_WANT_READ) {
    *wait = TlsConnection::Wait::kRead;
    return true;
  }
  if (ssl_error == SSL_ERROR_WANT_WRITE) {
    *wait = TlsConnection::Wait::kWrite;
    return true;
  }
  return false;
}

void ReleaseIfLarge(std::string* buffer) {
  if (buffer->capacity() > kKeepBufferCapacity) std::string().swap(*buffer);
}

}  // namespace

TlsConnection::TlsConnection(int fd, SSL* ssl, std::string peer, const ConnectionLimits* limits,
                             const HttpCallbacks* callbacks,
                             const std::atomic<bool>* server_stopping, int64_t now_ms)
    : fd_(fd),
      ssl_(ssl),
      peer_(std::move(peer)),
      limits_(*limits),
      callbacks_(*callbacks),
      server_stopping_(*server_stopping),
      last_progress_ms_(now_ms) {}

TlsConnection::~TlsConnection() {
  SSL_free(ssl_);
  close(fd_);
}

bool TlsConnection::Idle() const {
  return state_ == State::kOpen && in_used_ == in_.size() && PendingOut() == 0 &&
         discard_left_ == 0;
}

void TlsConnection::SayGoodbye() {
  if (state_ == State::kOpen) SSL_shutdown(ssl_);
}

int64_t TlsConnection::DeadlineMs() const {
  if (Idle()) return last_progress_ms_ + limits_.idle_timeout_ms;
  int64_t deadline = last_progress_ms_ + limits_.io_timeout_ms;
  if (request_started_ms_ != 0) {
    deadline = std::min(deadline, request_started_ms_ + limits_.request_timeout_ms);
  }
  return deadline;
}

TlsConnection::Wait TlsConnection::Drive(int64_t now_ms) {
  Wait wait = Wait::kRead;
  if (state_ == State::kHandshake && !Handshake(now_ms, &wait)) return wait;
  // More rounds only when OpenSSL holds decrypted bytes the socket will not
  // signal again (a read stopped at the input bound, see ReadAvailable).
  do {
    if (PendingOut() < kMaxPendingOut && !peer_closed_ && !ReadAvailable(now_ms, &wait)) {
      return Wait::kClose;
    }
    AnswerRequests();
    if (!Flush(now_ms, &wait)) return Wait::kClose;
  } while (PendingOut() == 0 && SSL_pending(ssl_) > 0 && !close_after_write_);
  if (PendingOut() > 0) return wait;
  if (close_after_write_ && discard_left_ == 0) {
    SSL_shutdown(ssl_);  // close_notify, best effort; the socket closes next
    return Wait::kClose;
  }
  if (peer_closed_) return Wait::kClose;
  return Wait::kRead;
}

bool TlsConnection::Handshake(int64_t now_ms, Wait* wait) {
  const int rc = SSL_accept(ssl_);
  if (rc == 1) {
    state_ = State::kOpen;
    last_progress_ms_ = now_ms;
    return true;
  }
  const int error = SSL_get_error(ssl_, rc);
  if (!MustWait(error, wait)) {
    RC_VLOG(1) << "TLS handshake with " << peer_ << " failed: " << TlsErrorText(error);
    *wait = Wait::kClose;
  }
  return false;
}

// Appends what the socket has to in_ (or drops it while discarding a refused
// body). False when the connection is broken.
bool TlsConnection::ReadAvailable(int64_t now_ms, Wait* wait) {
  for (;;) {
    if (in_used_ == in_.size()) {
      in_.clear();
      in_used_ = 0;
    }
    char chunk[kReadChunk];
    const int n = SSL_read(ssl_, chunk, static_cast<int>(sizeof(chunk)));
    if (n > 0) {
      in_.append(chunk, static_cast<size_t>(n));
      last_progress_ms_ = now_ms;
      if (request_started_ms_ == 0) request_started_ms_ = now_ms;
      if (discard_left_ > 0) {
        const size_t dropped = std::min(discard_left_, in_.size() - in_used_);
        discard_left_ -= dropped;
        in_used_ += dropped;
      }
      // Stop early when a pipelining client has sent far more than one request.
      if (in_.size() - in_used_ > limits_.parse.max_header_bytes + limits_.parse.max_body_bytes) {
        return true;
      }
      continue;
    }
    const int error = SSL_get_error(ssl_, n);
    if (MustWait(error, wait)) return true;
    if (error == SSL_ERROR_ZERO_RETURN) {  // close_notify: answer what came, then close
      peer_closed_ = true;
      return true;
    }
    if (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {  // EOF without close_notify
      peer_closed_ = true;
      return true;
    }
    RC_VLOG(1) << "connection from " << peer_ << " dropped: " << TlsErrorText(error);
    return false;
  }
}

void TlsConnection::AnswerRequests() {
  while (!close_after_write_ && discard_left_ == 0 && in_used_ < in_.size() &&
         PendingOut() < kMaxPendingOut) {
    const std::string_view pending(in_.data() + in_used_, in_.size() - in_used_);
    HttpParseResult result = ParseHttpRequest(pending, limits_.parse);
    if (result.state == HttpParseState::kNeedMore) break;
    if (result.state == HttpParseState::kHeadersOnly) {
      if (result.request.expect_continue && !sent_continue_) {
        out_.append("HTTP/1.1 100 Continue\r\n\r\n");
        sent_continue_ = true;
      }
      break;
    }
    if (result.state == HttpParseState::kError) {
      AnswerError(result);
      break;
    }
    AnswerOne(result.request);
    in_used_ += result.consumed;
    sent_continue_ = false;
    request_started_ms_ = 0;
  }
  if (in_used_ == in_.size()) {
    in_.clear();
    in_used_ = 0;
    request_started_ms_ = 0;
    ReleaseIfLarge(&in_);
  } else if (in_used_ > 0) {
    in_.erase(0, in_used_);
    in_used_ = 0;
  }
}

void TlsConnection::AnswerOne(const HttpRequest& request) {
  ++requests_;
  HttpResponse response;
  try {
    callbacks_.handle(request, peer_, &response);
  } catch (const std::exception& e) {
    RC_LOG_ERROR << request.method << " " << request.path << " from " << peer_
                 << " failed: " << e.what();
    response = HttpResponse{500, "text/plain", std::string("internal error: ") + e.what() + "\n"};
  } catch (...) {
    RC_LOG_ERROR << request.method << " " << request.path << " from " << peer_
                 << " failed: unknown exception";
    response = HttpResponse{500, "text/plain", "internal error: unknown exception\n"};
  }
  const bool keep_alive =
      request.keep_alive && !server_stopping_.load() && requests_ < limits_.max_requests;
  AppendHttpResponse(response, keep_alive, &out_);
  if (!keep_alive) close_after_write_ = true;
}

void TlsConnection::AnswerError(const HttpParseResult& result) {
  RC_LOG_WARNING << "bad HTTP request from " << peer_ << ": " << result.error_status << " "
                 << result.error;
  AppendHttpResponse(HttpResponse{result.error_status, "text/plain", result.error + "\n"},
                     /*keep_alive=*/false, &out_);
  close_after_write_ = true;
  if (callbacks_.refused) callbacks_.refused(result.error_status, peer_);
  // A body announced but refused is read and dropped, so that closing the
  // socket with it unread does not reset the connection before the client
  // has read the answer. A client waiting for 100 Continue sends none.
  if (result.error_status == 413 && !result.request.expect_continue &&
      result.request.content_length <= kMaxDiscard) {
    const size_t available = in_.size() - in_used_ - result.consumed;
    const size_t dropped = std::min(available, result.request.content_length);
    discard_left_ = result.request.content_length - dropped;
    in_used_ += result.consumed + dropped;
  } else {
    in_used_ = in_.size();
  }
}

// Writes out_ as far as the socket takes it. False when the connection is broken.
bool TlsConnection::Flush(int64_t now_ms, Wait* wait) {
  while (PendingOut() > 0) {
    const size_t chunk = std::min<size_t>(PendingOut(), 1 << 30);
    const int n = SSL_write(ssl_, out_.data() + out_sent_, static_cast<int>(chunk));
    if (n > 0) {
      out_sent_ += static_cast<size_t>(n);
      last_progress_ms_ = now_ms;
      continue;
    }
    const int error = SSL_get_error(ssl_, n);
    if (MustWait(error, wait)) return true;
    RC_VLOG(1) << "answer to " << peer_ << " not sent: " << TlsErrorText(error);
    return false;
  }
  out_.clear();
  out_sent_ = 0;
  ReleaseIfLarge(&out_);
  return true;
}

}  // namespace rc::webhook
