#include "common/tls_context.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <sys/stat.h>

#include <chrono>

#include "common/log.h"
#include "common/steady_ms.h"

namespace rc {
bool IsIpAddress(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string OpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    // "error:0A000086:SSL routines::certificate verify failed" -> the reason.
    std::string text = buf;
    auto colon = text.rfind(':');
    if (colon != std::string::npos) text = text.substr(colon + 1);
    out += (out.empty() ? "" : "; ") + text;
  }
  return out.empty() ? "unknown TLS error" : out;
}

Result<std::shared_ptr<TlsContext>> TlsContext::Create(TlsFiles files) {
  if (files.ca_file.empty() && !files.insecure)
    return InvalidArgument("TLS needs a CA file to verify servers with (--cacert), or --insecure");
  if (files.cert_file.empty() != files.key_file.empty())
    return InvalidArgument("a TLS client certificate needs both --cert and --key");
  std::shared_ptr<TlsContext> tls(new TlsContext(std::move(files)));
  auto ctx = tls->Load();
  if (!ctx.ok()) return ctx.status();
  tls->ctx_ = *ctx;
  tls->stamp_ = tls->Stamp();
  tls->checked_ms_ = SteadyNowMs();
  return tls;
}

Result<std::shared_ptr<SSL_CTX>> TlsContext::Load() const {
  ERR_clear_error();
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) return Internal("TLS: cannot create a context: " + OpenSslErrors());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY);
  if (!files_.ca_file.empty() &&
      SSL_CTX_load_verify_locations(ctx.get(), files_.ca_file.c_str(), nullptr) != 1)
    return InvalidArgument("TLS CA file '" + files_.ca_file + "': " + OpenSslErrors());
  if (!files_.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), files_.cert_file.c_str()) != 1)
      return InvalidArgument("TLS certificate file '" + files_.cert_file + "': " + OpenSslErrors());
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), files_.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
      return InvalidArgument("TLS key file '" + files_.key_file +
                             "' is unreadable or does not match '" + files_.cert_file +
                             "': " + OpenSslErrors());
    if (SSL_CTX_check_private_key(ctx.get()) != 1)
      return InvalidArgument("TLS key file '" + files_.key_file + "' does not match '" +
                             files_.cert_file + "': " + OpenSslErrors());
  }
  SSL_CTX_set_verify(ctx.get(), files_.insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
  return ctx;
}

std::string TlsContext::Stamp() const {
  std::string out;
  for (const std::string* f : {&files_.ca_file, &files_.cert_file, &files_.key_file}) {
    struct stat st {};
    if (f->empty() || stat(f->c_str(), &st) != 0) {
      out += "-;";
      continue;
    }
    out += std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + "/" +
           std::to_string(st.st_size) + "/" + std::to_string(st.st_ino) + ";";
  }
  return out;
}

std::shared_ptr<SSL_CTX> TlsContext::Current() {
  std::lock_guard<std::mutex> lock(mu_);
  const long long now = SteadyNowMs();
  if (now - checked_ms_ < 1000) return ctx_;
  checked_ms_ = now;
  const std::string stamp = Stamp();
  if (stamp == stamp_ || stamp == failed_stamp_) return ctx_;
  auto fresh = Load();
  if (!fresh.ok()) {
    // Mid-rotation (the key written, not yet the certificate): try again on the next change.
    failed_stamp_ = stamp;
    RC_LOG_WARNING << "TLS files changed but cannot be loaded (" << fresh.status().message()
                   << "); new connections keep the previous certificate";
    return ctx_;
  }
  RC_LOG_INFO << "TLS files changed; new connections use the new certificate and CA";
  ctx_ = *fresh;
  stamp_ = stamp;
  failed_stamp_.clear();
  ++generation_;
  return ctx_;
}

uint64_t TlsContext::generation() {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

std::string TlsContext::VerifyName(const std::string& host) const {
  if (files_.insecure) return "";
  if (!files_.server_name.empty()) return files_.server_name;
  return IsIpAddress(host) ? "" : host;
}

}  // namespace rc
