#include "webhook/cert_reloader.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <vector>

#include "common/log.h"

namespace rc::webhook {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no detail from OpenSSL";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof(buffer));
  return buffer;
}

// "inode:size:mtime" of the file a path (or symlink) resolves to; "" if missing.
std::string FileSignature(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return "";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace

struct CertReloader::KeyPair {
  X509Ptr leaf;
  std::vector<X509Ptr> chain;
  KeyPtr key;
};

CertReloader::CertReloader(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

CertReloader::~CertReloader() = default;

Result<std::unique_ptr<CertReloader>> CertReloader::Create(std::string cert_file,
                                                           std::string key_file) {
  std::unique_ptr<CertReloader> reloader(
      new CertReloader(std::move(cert_file), std::move(key_file)));
  Status status = reloader->Load();
  if (!status.ok()) return status;
  return reloader;
}

Status CertReloader::Load() {
  std::string signature = FileSignature(cert_file_) + "|" + FileSignature(key_file_);
  auto pair = std::make_shared<KeyPair>();
  BioPtr cert_bio(BIO_new_file(cert_file_.c_str(), "r"));
  if (!cert_bio)
    return InvalidArgument("cannot open TLS certificate " + cert_file_ + ": " + OpenSslError());
  pair->leaf.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!pair->leaf) {
    return InvalidArgument("TLS certificate " + cert_file_ +
                           " has no PEM certificate: " + OpenSslError());
  }
  while (X509* extra = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr)) {
    pair->chain.emplace_back(extra);
  }
  ERR_clear_error();  // the loop ends on "no start line"
  BioPtr key_bio(BIO_new_file(key_file_.c_str(), "r"));
  if (!key_bio) return InvalidArgument("cannot open TLS key " + key_file_ + ": " + OpenSslError());
  pair->key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!pair->key)
    return InvalidArgument("TLS key " + key_file_ + " has no PEM private key: " + OpenSslError());
  if (X509_check_private_key(pair->leaf.get(), pair->key.get()) != 1) {
    ERR_clear_error();
    return InvalidArgument("TLS key " + key_file_ + " does not match certificate " + cert_file_ +
                           " (a rotation half done?)");
  }
  std::tm not_after{};
  const bool dated = ASN1_TIME_to_tm(X509_get0_notAfter(pair->leaf.get()), &not_after) == 1;
  {
    std::lock_guard<std::mutex> lock(current_mutex_);
    current_ = std::move(pair);
  }
  not_after_unix_ = dated ? static_cast<int64_t>(timegm(&not_after)) : 0;
  loaded_signature_ = signature;
  ++generation_;
  return Status::Ok();
}

Status CertReloader::ReloadIfChanged() {
  std::lock_guard<std::mutex> lock(load_mutex_);
  std::string signature = FileSignature(cert_file_) + "|" + FileSignature(key_file_);
  if (signature == loaded_signature_) return Status::Ok();
  Status status = Load();
  if (status.ok()) {
    RC_LOG_INFO << "reloaded TLS certificate " << cert_file_ << " and key " << key_file_
                << " (generation " << generation_.load() << ")";
  }
  return status;
}

std::shared_ptr<const CertReloader::KeyPair> CertReloader::Current() const {
  std::lock_guard<std::mutex> lock(current_mutex_);
  return current_;
}

int CertReloader::OnCertificate(SSL* ssl, void* self) {
  auto pair = static_cast<CertReloader*>(self)->Current();
  if (!pair) return 0;
  if (SSL_use_certificate(ssl, pair->leaf.get()) != 1) return 0;
  if (SSL_use_PrivateKey(ssl, pair->key.get()) != 1) return 0;
  SSL_clear_chain_certs(ssl);
  for (const X509Ptr& extra : pair->chain) {
    if (SSL_add1_chain_cert(ssl, extra.get()) != 1) return 0;
  }
  return 1;
}

void CertReloader::Install(SSL_CTX* ctx) {
  SSL_CTX_set_cert_cb(ctx, &CertReloader::OnCertificate, this);
}

}  // namespace rc::webhook
