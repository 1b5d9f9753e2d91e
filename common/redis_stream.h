// RedisStream: the bytes of one connection to a Redis node, plain TCP or TLS
// (OpenSSL), with deadlines on connect, write and read. hiredis 0.14 (Debian
// 12) has no TLS, so the client (redis_client.cc) formats commands and parses
// replies with hiredis and moves the bytes through this.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "common/status.h"
#include "common/tls_context.h"

namespace rc {

class RedisStream {
 public:
  // TCP connect (every address the host resolves to, in turn), then the TLS
  // handshake when `tls` is set, all within timeout_ms. Errors name
  // `address`: kUnavailable (refused, unreachable, handshake or verification
  // failed), kTimeout.
  static Result<std::unique_ptr<RedisStream>> Open(const std::string& host, int port,
                                                   int timeout_ms, TlsContext* tls);
  ~RedisStream();
  RedisStream(const RedisStream&) = delete;
  RedisStream& operator=(const RedisStream&) = delete;

  // Writes all of `data` within timeout_ms. `what` names the command in errors.
  Status WriteAll(const std::string& data, int timeout_ms, const std::string& what);
  // Reads what is there (at least one byte), waiting at most timeout_ms for it.
  // kTimeout, kUnavailable ("connection closed by the server").
  Result<size_t> ReadSome(char* buf, size_t cap, int timeout_ms, const std::string& what);

 private:
  RedisStream(int fd, std::string address) : fd_(fd), address_(std::move(address)) {}
  Status Handshake(TlsContext& tls, const std::string& host, long long deadline_ms);
  // Waits until the socket is readable (or writable); false on timeout.
  bool Wait(bool for_write, long long deadline_ms) const;
  Status Error(const std::string& what, const std::string& detail) const;

  int fd_ = -1;
  std::string address_;
  std::shared_ptr<SSL_CTX> ctx_;  // kept alive while ssl_ lives
  SSL* ssl_ = nullptr;
};

}  // namespace rc
