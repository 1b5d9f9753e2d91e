// Serves the TLS certificate and key from files and picks up new ones without
// a restart (Kubernetes updates a mounted Secret by swapping a symlink). The
// pair is installed per handshake through SSL_CTX_set_cert_cb, so a reload
// only swaps a pointer. A half-written or mismatched pair is refused and the
// old one kept, with a log line saying why; the next check tries again.
// OpenSSL errors are translated to Status here and only here.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"

namespace rc::webhook {

class CertReloader {
 public:
  // Loads the pair once; kInvalidArgument naming the file when it is unusable.
  static Result<std::unique_ptr<CertReloader>> Create(std::string cert_file, std::string key_file);
  ~CertReloader();
  CertReloader(const CertReloader&) = delete;
  CertReloader& operator=(const CertReloader&) = delete;

  // Reloads when either file's identity (inode, size, mtime) changed since the
  // last successful load. Returns ok when nothing changed or the reload
  // worked; the error otherwise (the old pair stays in use).
  Status ReloadIfChanged();

  // Makes `ctx` serve the current pair on every handshake.
  void Install(SSL_CTX* ctx);

  // Successful loads so far (1 after Create).
  uint64_t generation() const { return generation_.load(); }

  // The served certificate's notAfter as Unix seconds (0 when unreadable), for
  // Metrics::SetCertificateNotAfter.
  int64_t not_after_unix() const { return not_after_unix_.load(); }

 private:
  struct KeyPair;
  CertReloader(std::string cert_file, std::string key_file);
  Status Load();
  static int OnCertificate(SSL* ssl, void* self);
  std::shared_ptr<const KeyPair> Current() const;

  const std::string cert_file_;
  const std::string key_file_;
  std::string loaded_signature_;
  std::mutex load_mutex_;             // one Load() at a time
  mutable std::mutex current_mutex_;  // guards current_
  std::shared_ptr<const KeyPair> current_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int64_t> not_after_unix_{0};
};

}  // namespace rc::webhook
