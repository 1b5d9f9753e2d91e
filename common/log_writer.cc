#include "common/log_writer.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/log.h"

namespace rc::log {
namespace {

constexpr size_t kBatchBytes = 64 * 1024;             // wake the writer at once from here
constexpr std::chrono::milliseconds kBatchDelay{10};  // otherwise gather lines this long

void WriteAll(const char* at, size_t left) {
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, at, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr is gone: nothing else to tell
    at += n;
    left -= static_cast<size_t>(n);
  }
}

// Never destroyed: a line logged during static destruction still finds it.
struct BackgroundWriter {
  std::mutex mu;
  std::condition_variable cv;
  bool active = false;  // lines are queued (guarded by mu)
  bool stop = false;
  std::string pending;
  size_t dropped = 0;
  size_t max_bytes = 0;
  std::thread thread;
  std::atomic<bool> maybe_active{false};  // lets direct writes skip the lock

  void Run() {
    std::string batch;
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      cv.wait(lock, [this] { return !pending.empty() || dropped > 0 || stop; });
      if (!stop) {
        cv.wait_for(lock, kBatchDelay, [this] { return pending.size() >= kBatchBytes || stop; });
      }
      batch.swap(pending);
      const size_t lost = dropped;
      dropped = 0;
      const bool stopping = stop;
      lock.unlock();
      if (lost > 0) {
        batch += FormatLine(Severity::kWarning, __FILE__, __LINE__,
                            "dropped " + std::to_string(lost) +
                                " log lines: stderr took them slower than they came") +
                 "\n";
      }
      WriteAll(batch.data(), batch.size());
      batch.clear();
      if (batch.capacity() > 4 * kBatchBytes) std::string().swap(batch);
      lock.lock();
      if (stopping && pending.empty() && dropped == 0) return;
    }
  }
};

BackgroundWriter& Writer() {
  static BackgroundWriter* writer = new BackgroundWriter;
  return *writer;
}

}  // namespace

void StartBackgroundLogWriter(size_t max_buffered_bytes) {
  BackgroundWriter& w = Writer();
  std::lock_guard<std::mutex> lock(w.mu);
  if (w.active) return;
  w.active = true;
  w.stop = false;
  w.max_bytes = max_buffered_bytes;
  w.maybe_active = true;
  w.thread = std::thread([&w] { w.Run(); });
}

void StopBackgroundLogWriter() {
  BackgroundWriter& w = Writer();
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(w.mu);
    if (!w.active) return;
    w.stop = true;
    thread.swap(w.thread);
  }
  w.cv.notify_all();
  thread.join();
  // Nothing is left queued: once `stop` is set lines are written directly, and
  // the writer returns only with the queue empty.
  std::lock_guard<std::mutex> lock(w.mu);
  w.active = false;
  w.maybe_active = false;
}

void WriteLogLine(const std::string& line) {
  BackgroundWriter& w = Writer();
  if (w.maybe_active.load(std::memory_order_acquire)) {
    std::unique_lock<std::mutex> lock(w.mu);
    if (w.active && !w.stop) {
      if (w.pending.size() + line.size() > w.max_bytes) {
        ++w.dropped;
        return;
      }
      const bool wake = w.pending.empty() || (w.pending.size() < kBatchBytes &&
                                              w.pending.size() + line.size() >= kBatchBytes);
      w.pending += line;
      lock.unlock();
      if (wake) w.cv.notify_one();
      return;
    }
  }
  WriteAll(line.data(), line.size());  // one write per line: lines never interleave
}

}  // namespace rc::log
