// The background log writer: lines come out whole and in order, and a stderr
// nobody reads costs dropped (and counted) lines, never a blocked caller.
#include "common/log_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "common/log.h"

namespace rc {
namespace {

// Points fd 2 at `fd` for the scope's lifetime.
class StderrRedirect {
 public:
  explicit StderrRedirect(int fd) : saved_(dup(STDERR_FILENO)) { dup2(fd, STDERR_FILENO); }
  ~StderrRedirect() { Restore(); }
  void Restore() {
    if (saved_ < 0) return;
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    saved_ = -1;
  }

 private:
  int saved_;
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(BackgroundLogWriter, LinesComeOutWholeAndInOrder) {
  char path[] = "/tmp/rc-log-writer-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  {
    StderrRedirect redirect(fd);
    log::StartBackgroundLogWriter();
    log::StartBackgroundLogWriter();  // idempotent
    std::thread other([] {
      for (int i = 0; i < 500; ++i) RC_LOG_INFO << "other " << i;
    });
    for (int i = 0; i < 500; ++i) RC_LOG_INFO << "main " << i;
    other.join();
    log::StopBackgroundLogWriter();
    RC_LOG_INFO << "direct after stop";
  }
  close(fd);
  FILE* file = std::fopen(path, "r");
  ASSERT_NE(file, nullptr);
  std::string text;
  char buffer[65536];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), file)) > 0;) text.append(buffer, n);
  std::fclose(file);
  std::remove(path);

  const std::vector<std::string> lines = Lines(text);
  ASSERT_EQ(lines.size(), 1001u) << text.substr(0, 500);
  int next_main = 0, next_other = 0;
  const std::regex shape(
      R"(^I\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ log_writer_test\.cc:\d+\] (main|other) (\d+)$)");
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(lines[i], m, shape)) << "not a whole klog line: " << lines[i];
    int& next = m[1] == "main" ? next_main : next_other;
    EXPECT_EQ(std::stoi(m[2]), next) << "out of order: " << lines[i];
    next = std::stoi(m[2]) + 1;
  }
  EXPECT_EQ(next_main, 500);
  EXPECT_EQ(next_other, 500);
  EXPECT_NE(lines.back().find("direct after stop"), std::string::npos);
}

TEST(BackgroundLogWriter, AStderrNobodyReadsDropsLinesInsteadOfBlocking) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const int kLines = 5000;  // ~100 bytes each: far more than the pipe (64 KB) and the queue hold
  std::string output;
  {
    StderrRedirect redirect(pipe_fds[1]);
    close(pipe_fds[1]);
    log::StartBackgroundLogWriter(16 * 1024);
    // Nobody reads the pipe yet: the writer thread blocks in write(2) once it
    // is full, and these calls must still return (a hang fails the test by
    // its timeout).
    for (int i = 0; i < kLines; ++i) {
      RC_LOG_INFO << "line " << i << " " << std::string(60, 'x');
    }
    std::thread reader([&] {
      char buffer[65536];
      for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0;) {
        output.append(buffer, static_cast<size_t>(n));
      }
    });
    log::StopBackgroundLogWriter();
    redirect.Restore();  // the last write end closes: the reader sees EOF
    reader.join();
  }
  close(pipe_fds[0]);

  const std::vector<std::string> lines = Lines(output);
  int written = 0;
  long dropped = 0;
  const std::regex dropped_line(
      R"(^W.*\] dropped (\d+) log lines: stderr took them slower than they came$)");
  for (const std::string& line : lines) {
    std::smatch m;
    if (std::regex_match(line, m, dropped_line)) {
      dropped += std::stol(m[1]);
    } else {
      ASSERT_NE(line.find("] line "), std::string::npos) << "not a whole line: " << line;
      ++written;
    }
  }
  EXPECT_GT(dropped, 0) << "nothing was dropped, so the queue limit was not reached";
  EXPECT_GT(written, 0);
  EXPECT_EQ(written + dropped, kLines) << "every line is either written or counted as dropped";
}

}  // namespace
}  // namespace rc
