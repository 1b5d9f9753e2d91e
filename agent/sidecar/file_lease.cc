#include "agent/sidecar/file_lease.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace rc::agent {
namespace {

long long NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Holds an exclusive flock on the lease file for one read-modify-write.
class LockedFile {
 public:
  explicit LockedFile(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT, 0644)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~LockedFile() {
    if (fd_ >= 0) ::close(fd_);  // closing drops the lock
  }
  LockedFile(const LockedFile&) = delete;
  LockedFile& operator=(const LockedFile&) = delete;
  bool ok() const { return fd_ >= 0; }

  nlohmann::json Read() {
    std::string text;
    char buf[512];
    ::lseek(fd_, 0, SEEK_SET);
    ssize_t n;
    while ((n = ::read(fd_, buf, sizeof(buf))) > 0) text.append(buf, static_cast<size_t>(n));
    auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    return json.is_object() ? json : nlohmann::json::object();
  }
  bool Write(const nlohmann::json& json) {
    std::string text = json.dump();
    if (::ftruncate(fd_, 0) != 0) return false;
    ::lseek(fd_, 0, SEEK_SET);
    return ::write(fd_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  }

 private:
  int fd_;
};

std::string LiveHolder(const nlohmann::json& lease) {
  std::string holder = lease.value("holder", "");
  long long renewed = lease.value("renewed_ms", 0LL);
  long long duration = lease.value("duration_ms", 0LL);
  if (holder.empty() || renewed + duration < NowMs()) return "";
  return holder;
}

}  // namespace

Result<bool> FileLease::AcquireOrRenew(const std::string& holder) {
  std::lock_guard<std::mutex> lock(mu_);
  LockedFile file(path_);
  if (!file.ok()) return Unavailable("cannot open lease file " + path_);
  nlohmann::json lease = file.Read();
  std::string current = LiveHolder(lease);
  if (!current.empty() && current != holder) return false;
  nlohmann::json next = {{"holder", holder},
                         {"renewed_ms", NowMs()},
                         {"duration_ms", static_cast<long long>(duration_.count())}};
  if (!file.Write(next)) return Unavailable("cannot write lease file " + path_);
  return true;
}

Status FileLease::Release(const std::string& holder) {
  std::lock_guard<std::mutex> lock(mu_);
  LockedFile file(path_);
  if (!file.ok()) return Unavailable("cannot open lease file " + path_);
  nlohmann::json lease = file.Read();
  if (lease.value("holder", "") != holder) return Status::Ok();
  if (!file.Write(nlohmann::json::object())) return Unavailable("cannot write lease file " + path_);
  return Status::Ok();
}

std::string FileLease::Holder() {
  std::lock_guard<std::mutex> lock(mu_);
  LockedFile file(path_);
  return file.ok() ? LiveHolder(file.Read()) : "";
}

}  // namespace rc::agent
