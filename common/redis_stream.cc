#include "common/redis_stream.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/steady_ms.h"

namespace rc {
namespace {

bool WaitFd(int fd, short events, long long deadline_ms) {
  while (true) {
    long long left = deadline_ms - SteadyNowMs();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int r = poll(&p, 1, static_cast<int>(left));
    if (r > 0) return true;  // ready, or an error the next call reports
    if (r == 0) return false;
    if (errno != EINTR) return true;
  }
}

// One TCP connection to one resolved address, within the deadline.
Result<int> ConnectOne(const addrinfo& ai, long long deadline_ms, const std::string& address) {
  int fd = socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) return Unavailable("redis " + address + ": connect: " + std::strerror(errno));
  auto fail = [&](Status s) {
    close(fd);
    return s;
  };
  if (connect(fd, ai.ai_addr, ai.ai_addrlen) != 0) {
    if (errno != EINPROGRESS)
      return fail(Unavailable("redis " + address + ": connect: " + std::strerror(errno)));
    if (!WaitFd(fd, POLLOUT, deadline_ms))
      return fail(Timeout("redis " + address + ": connect: no answer within the timeout"));
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) return fail(Unavailable("redis " + address + ": connect: " + std::strerror(err)));
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  return fd;
}

}  // namespace

Result<std::unique_ptr<RedisStream>> RedisStream::Open(const std::string& host, int port,
                                                       int timeout_ms, TlsContext* tls) {
  const std::string address = host + ":" + std::to_string(port);
  const long long deadline = SteadyNowMs() + timeout_ms;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0)
    return Unavailable("redis " + address + ": connect: cannot resolve '" + host +
                       "': " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  Status last = Unavailable("redis " + address + ": connect: no address");
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    auto fd = ConnectOne(*ai, deadline, address);
    if (!fd.ok()) {
      last = fd.status();
      if (last.code() == ErrorCode::kTimeout) break;
      continue;
    }
    std::unique_ptr<RedisStream> stream(new RedisStream(*fd, address));
    if (tls) RC_RETURN_IF_ERROR(stream->Handshake(*tls, host, deadline));
    return stream;
  }
  return last;
}

RedisStream::~RedisStream() {
  if (ssl_) {
    SSL_shutdown(ssl_);  // best effort close_notify; never waits (non-blocking)
    SSL_free(ssl_);
  }
  if (fd_ >= 0) close(fd_);
}

Status RedisStream::Error(const std::string& what, const std::string& detail) const {
  return Unavailable("redis " + address_ + ": " + what + ": " + detail);
}

bool RedisStream::Wait(bool for_write, long long deadline_ms) const {
  return WaitFd(fd_, for_write ? POLLOUT : POLLIN, deadline_ms);
}

Status RedisStream::Handshake(TlsContext& tls, const std::string& host, long long deadline_ms) {
  ERR_clear_error();
  ctx_ = tls.Current();
  ssl_ = SSL_new(ctx_.get());
  if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1) return Error("TLS", OpenSslErrors());
  const std::string name = tls.VerifyName(host);
  const std::string sni = !name.empty() ? name : (IsIpAddress(host) ? "" : host);
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl_, sni.c_str());
  if (!name.empty()) {
    SSL_set_hostflags(ssl_, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(ssl_, name.c_str()) != 1) return Error("TLS", OpenSslErrors());
  }
  while (true) {
    int r = SSL_connect(ssl_);
    if (r == 1) return Status::Ok();
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (!Wait(err == SSL_ERROR_WANT_WRITE, deadline_ms))
        return Timeout("redis " + address_ + ": TLS handshake: no answer within the timeout");
      continue;
    }
    long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK) {
      std::string why = X509_verify_cert_error_string(verify);
      if (verify == X509_V_ERR_HOSTNAME_MISMATCH)
        why += " (the certificate does not name '" + name + "'; see --sni)";
      return Error("TLS handshake", "server certificate not accepted: " + why);
    }
    std::string detail = OpenSslErrors();
    if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN)
      detail = "connection closed during the handshake (a server without TLS on this port?)";
    return Error("TLS handshake", detail);
  }
}

Status RedisStream::WriteAll(const std::string& data, int timeout_ms, const std::string& what) {
  const long long deadline = SteadyNowMs() + timeout_ms;
  size_t done = 0;
  while (done < data.size()) {
    const char* p = data.data() + done;
    const size_t left = data.size() - done;
    bool want_write = true;
    if (ssl_) {
      ERR_clear_error();
      int n = SSL_write(ssl_, p, static_cast<int>(std::min<size_t>(left, 1 << 30)));
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_WANT_READ) {
        want_write = false;
      } else if (err != SSL_ERROR_WANT_WRITE) {
        return Error(what, err == SSL_ERROR_SYSCALL && errno != 0 ? std::strerror(errno)
                                                                  : "connection closed by the "
                                                                    "server");
      }
    } else {
      ssize_t n = send(fd_, p, left, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        return Error(what, std::strerror(errno));
    }
    if (!Wait(want_write, deadline))
      return Timeout("redis " + address_ + ": " + what + ": no answer within the timeout");
  }
  return Status::Ok();
}

Result<size_t> RedisStream::ReadSome(char* buf, size_t cap, int timeout_ms,
                                     const std::string& what) {
  const long long deadline = SteadyNowMs() + timeout_ms;
  while (true) {
    bool want_write = false;
    if (ssl_) {
      ERR_clear_error();
      int n = SSL_read(ssl_, buf, static_cast<int>(std::min<size_t>(cap, 1 << 30)));
      if (n > 0) return static_cast<size_t>(n);
      int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_WANT_WRITE) {
        want_write = true;
      } else if (err != SSL_ERROR_WANT_READ) {
        if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && errno == 0))
          return Error(what, "connection closed by the server");
        return Error(what, err == SSL_ERROR_SYSCALL ? std::strerror(errno) : OpenSslErrors());
      }
    } else {
      ssize_t n = recv(fd_, buf, cap, 0);
      if (n > 0) return static_cast<size_t>(n);
      if (n == 0) return Error(what, "connection closed by the server");
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return Error(what, std::strerror(errno));
    }
    if (!Wait(want_write, deadline))
      return Timeout("redis " + address_ + ": " + what + ": no answer within the timeout");
  }
}

}  // namespace rc
