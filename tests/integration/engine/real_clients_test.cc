// Ten scale-outs onto an empty master and the drains back, under three real
// cluster clients at once: redis-py (cluster_load.py), ioredis and
// valkey-glide (tests/clients/cluster_load.js, installed by
// .ci/install-deps.sh). Each must see no failed operation, no wrong value and
// no lost acknowledged write.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "agent/engine/migration_engine.h"
#include "tests/support/redis_cluster_fixture.h"
#include "tests/support/wait_for.h"

namespace rc::engine {
namespace {

using rc::testing::ClusterFixtureOptions;
using rc::testing::RedisClusterFixture;
using rc::testing::WaitFor;
using namespace std::chrono_literals;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Tail(const std::string& text, size_t bytes = 2000) {
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

// One load process: stdout (its JSON) and stderr in files of their own,
// killed by its pid if it is still running when the object goes away.
class LoadProcess {
 public:
  LoadProcess(std::string name, const std::string& dir)
      : name_(std::move(name)),
        out_(dir + "/" + name_ + ".out"),
        err_(dir + "/" + name_ + ".err"),
        ready_(dir + "/" + name_ + ".ready") {}
  ~LoadProcess() {
    if (started_pid_ <= 0) return;
    // The stop file exists by now (StopFileGuard): let it finish its check first.
    WaitFor([&] { return Exited(); }, 30s, 50ms);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    RemoveGlideSocket();
  }
  LoadProcess(const LoadProcess&) = delete;
  LoadProcess& operator=(const LoadProcess&) = delete;

  bool Start(std::vector<std::string> argv) {
    std::vector<char*> args;  // built before fork: the child only opens, dups and execs
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
      int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (out < 0 || err < 0) _exit(126);
      dup2(out, 1);
      dup2(err, 2);
      close(out);
      close(err);
      execv(args[0], args.data());
      _exit(127);
    }
    pid_ = started_pid_ = pid;
    return true;
  }
  // Reaps the process once it has exited; true from then on.
  bool Exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    pid_ = -1;
    return true;
  }
  const std::string& name() const { return name_; }
  const std::string& ready_file() const { return ready_; }
  int exit_code() const { return exit_code_; }
  std::string Stdout() const { return ReadFile(out_); }
  std::string StderrTail() const { return Tail(ReadFile(err_)); }

 private:
  // glide's core listens on /tmp/glide-socket-<pid>-<uuid>.sock (whatever
  // TMPDIR says) and leaves it behind: remove the one of this process.
  void RemoveGlideSocket() const {
    const std::string prefix = "glide-socket-" + std::to_string(started_pid_) + "-";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/tmp", ec))
      if (entry.path().filename().string().rfind(prefix, 0) == 0)
        std::filesystem::remove(entry.path(), ec);
  }

  std::string name_;
  std::string out_, err_, ready_;
  pid_t pid_ = -1;
  pid_t started_pid_ = -1;
  int exit_code_ = -1;
};

constexpr int kCycles = 10;
constexpr int kLoadDeadlineS = 600;

// Creates the stop file when the scope ends, however it ends (a failed
// ASSERT returns early): every load then finishes and exits.
struct StopFileGuard {
  std::string path;
  ~StopFileGuard() { std::ofstream(path).close(); }
};

TEST(RealClientsTest, TenScaleOutsAndDrainsUnderRedisPyIoredisAndGlide) {
  const std::filesystem::path js(NODE_LOAD_SCRIPT);
  const std::filesystem::path modules = js.parent_path() / "node_modules";
  for (const char* package : {"ioredis", "@valkey/valkey-glide"}) {
    ASSERT_TRUE(std::filesystem::exists(modules / package / "package.json"))
        << modules / package
        << " is missing: run .ci/install-deps.sh (it runs `npm ci` in tests/clients)";
  }
  ASSERT_TRUE(::access(NODE_BINARY, X_OK) == 0)
      << "node not found (" << NODE_BINARY
      << "): run .ci/install-deps.sh, then configure the build again";

  ClusterFixtureOptions o;
  o.first_index = 160;
  RedisClusterFixture cluster(o);
  ASSERT_TRUE(cluster.Create().ok());
  ASSERT_TRUE(cluster.Fill(50000, 64).ok());
  auto added = cluster.AddNode();
  ASSERT_TRUE(added.ok());

  const std::string dir = cluster.node(0).dir();
  const std::string host = cluster.node(0).ip(), port = std::to_string(cluster.node(0).port());
  const std::string stop = dir + "/loads.stop";
  // Each load: the command before the common arguments HOST PORT PREFIX READY_FILE STOP_FILE.
  const std::vector<std::pair<std::string, std::vector<std::string>>> commands = {
      {"redis-py", {"/usr/bin/python3", LOAD_SCRIPT}},
      {"ioredis", {NODE_BINARY, NODE_LOAD_SCRIPT, "--client", "ioredis"}},
      {"glide", {NODE_BINARY, NODE_LOAD_SCRIPT, "--client", "glide"}},
  };
  // The loads must run through every move: their final check (100 reads in
  // flight at once) is a verification, meant for a settled cluster. Their own
  // bound is far beyond the moves (flat out, they took up to 250 s here); the
  // stop file ends them.
  ASSERT_EQ(::setenv("LOAD_DEADLINE_S", std::to_string(kLoadDeadlineS).c_str(), 1), 0);
  std::vector<std::unique_ptr<LoadProcess>> loads;
  StopFileGuard stop_guard{stop};  // destroyed before `loads`: they stop, then are reaped
  for (const auto& [name, command] : commands) {
    loads.push_back(std::make_unique<LoadProcess>(name, dir));
    std::vector<std::string> argv = command;
    argv.insert(argv.end(), {host, port, name + ":", loads.back()->ready_file(), stop});
    ASSERT_TRUE(loads.back()->Start(std::move(argv))) << name;
  }
  for (auto& load : loads) {
    ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(load->ready_file()); }, 30s, 20ms))
        << load->name() << " did not start: " << load->StderrTail();
  }

  // Ten cycles of 3 -> 4 -> 3 masters. Each time the new master is one the
  // clients have forgotten (it owned nothing), and each time it must get its
  // share of the keys in few ranges, and give them back where they came from.
  MigrationEngine engine(cluster.connector(), EngineOptions{});
  PlanOptions plan;
  plan.use_empty_masters = true;
  Status moves = Status::Ok();
  std::vector<std::string> shapes;  // per cycle, for the failure message
  for (int cycle = 0; cycle < kCycles && moves.ok(); ++cycle) {
    auto out = engine.Rebalance(cluster.seed(), plan, false, nullptr);
    if (!out.ok()) {
      moves = out.status().WithContext("scale-out of cycle " + std::to_string(cycle));
      break;
    }
    auto shape_out = cluster.Shape();
    auto back =
        engine.Drain(cluster.seed(), cluster.address(*added), PlanOptions{}, false, nullptr);
    if (!back.ok()) {
      moves = back.status().WithContext("drain of cycle " + std::to_string(cycle));
      break;
    }
    auto shape_back = cluster.Shape();
    ASSERT_TRUE(shape_out.ok() && shape_back.ok());
    shapes.push_back("cycle " + std::to_string(cycle) + ": out " + shape_out->Text() + "; back " +
                     shape_back->Text());
    const std::string new_id = *cluster.NodeId(*added);
    EXPECT_NEAR(shape_out->KeyShare(new_id), 0.25, 0.25 * 0.03) << shapes.back();
    for (const auto& [id, ranges] : shape_out->ranges)
      EXPECT_LE(ranges, id == new_id ? 3 : 1) << shapes.back();
    for (const auto& [id, ranges] : shape_back->ranges) EXPECT_LE(ranges, 1) << shapes.back();
  }
  for (const auto& line : shapes) std::printf("%s\n", line.c_str());
  for (auto& load : loads) {
    EXPECT_FALSE(load->Exited()) << load->name() << " ended before the moves did (exit code "
                                 << load->exit_code() << "): the moves were not all under load";
  }
  std::ofstream(stop).close();
  for (auto& load : loads) {
    // The stop file ends the writes; then each reads its acknowledged keys back.
    EXPECT_TRUE(WaitFor([&] { return load->Exited(); }, 180s, 50ms))
        << load->name() << " did not exit: " << load->StderrTail();
  }
  for (auto& load : loads) {
    const std::string text = load->Stdout();
    const size_t brace = text.rfind('{');
    auto json =
        nlohmann::json::parse(brace == std::string::npos ? "" : text.substr(brace), nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
      ADD_FAILURE() << load->name() << " printed no JSON (exit code " << load->exit_code()
                    << "): " << text << "\nstderr: " << load->StderrTail();
      continue;
    }
    std::printf("%s during the moves: %s", load->name().c_str(), text.c_str());
    const std::string why = load->name() + ": " + json.dump() + "\nstderr: " + load->StderrTail();
    EXPECT_GT(json.value("writes", -1L), 200) << why;
    EXPECT_EQ(json.value("errors", -1L), 0) << why;
    EXPECT_EQ(json.value("wrong", -1L), 0) << why;
    EXPECT_EQ(json.value("lost", -1L), 0) << why;
  }
  // After the clients' reports, which matter most when a move failed.
  ASSERT_TRUE(moves.ok()) << moves.ToString();
  EXPECT_EQ(shapes.size(), static_cast<size_t>(kCycles));
  std::string check;
  EXPECT_TRUE(cluster.RedisCliCheck(&check)) << check;
}

}  // namespace
}  // namespace rc::engine
