// TlsContext: the client side of TLS for Redis connections, built on OpenSSL:
// the CA to verify servers with, an optional client certificate (for servers
// with tls-auth-clients), and the name to verify them by. The files are read
// again when they change (a rotated cert-manager Secret), so new connections
// use the new certificate without a restart; connections already open keep
// the one they started with.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"

namespace rc {

// Named as redis-cli names them: --tls --cacert --cert --key --sni --insecure.
struct TlsFiles {
  std::string ca_file;    // PEM; verifies the server (required unless insecure)
  std::string cert_file;  // PEM client certificate; with key_file, or neither
  std::string key_file;
  // The name the server's certificate must carry (SAN or CN) and the SNI sent.
  // Empty: the host dialled when it is a DNS name; for an IP only the chain is
  // verified (as redis-cli does).
  std::string server_name;
  bool insecure = false;  // no verification at all (tests, debugging)
};

class TlsContext {
 public:
  // Reads the files. Errors (kInvalidArgument / kNotFound) name the file and
  // OpenSSL's reason.
  static Result<std::shared_ptr<TlsContext>> Create(TlsFiles files);

  // The SSL_CTX for a new connection: re-read first when a file's mtime or
  // size changed since the last load (checked at most once a second). A reload
  // that fails keeps the previous context and logs why, once per change.
  std::shared_ptr<SSL_CTX> Current();

  const TlsFiles& files() const { return files_; }
  // 1 after Create, +1 at each reload that took: who serves the same files
  // (the pod's own redis) reloads them when this changes.
  uint64_t generation();
  // The name to verify `host` by ("" : the chain only).
  std::string VerifyName(const std::string& host) const;

 private:
  explicit TlsContext(TlsFiles files) : files_(std::move(files)) {}
  Result<std::shared_ptr<SSL_CTX>> Load() const;
  std::string Stamp() const;  // mtimes and sizes of the files

  TlsFiles files_;
  std::mutex mu_;
  std::shared_ptr<SSL_CTX> ctx_;  // guarded by mu_
  std::string stamp_;             // of ctx_
  std::string failed_stamp_;      // last stamp whose reload failed
  long long checked_ms_ = 0;
  uint64_t generation_ = 1;  // guarded by mu_
};

// True for "10.0.0.3" and "fd00::3": such hosts are verified by chain only.
bool IsIpAddress(const std::string& host);

// OpenSSL's error queue as one line ("certificate verify failed"), emptied.
std::string OpenSslErrors();

}  // namespace rc
