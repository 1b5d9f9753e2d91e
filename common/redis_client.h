// A small Redis client: one connection to one node, with connect and command
// timeouts, AUTH and pipelining. RedisClient is abstract so planner, engine
// and agent logic can be tested against fakes. The real client (redis_client.cc)
// moves bytes through a RedisStream (plain TCP or TLS on OpenSSL: Debian's
// hiredis 0.14 has no TLS) and parses replies with hiredis's reader.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/tls_context.h"

namespace rc {

struct RedisReply {
  enum class Type { kString, kStatus, kInteger, kArray, kNil, kError };
  Type type = Type::kNil;
  std::string str;                   // kString, kStatus, kError
  long long integer = 0;             // kInteger
  std::vector<RedisReply> elements;  // kArray

  bool IsError() const { return type == Type::kError; }
  bool IsOk() const { return type == Type::kStatus && str == "OK"; }
  // Error replies start with a code word: "MOVED", "ASK", "BUSYKEY", "ERR"...
  bool ErrorStartsWith(const std::string& prefix) const {
    return IsError() && str.compare(0, prefix.size(), prefix) == 0;
  }
  static RedisReply Status(std::string s) { return {Type::kStatus, std::move(s), 0, {}}; }
  static RedisReply String(std::string s) { return {Type::kString, std::move(s), 0, {}}; }
  static RedisReply Error(std::string s) { return {Type::kError, std::move(s), 0, {}}; }
  static RedisReply Integer(long long v) { return {Type::kInteger, {}, v, {}}; }
  static RedisReply Nil() { return {}; }
  static RedisReply Array(std::vector<RedisReply> e) { return {Type::kArray, {}, 0, std::move(e)}; }
};

using RedisCommand = std::vector<std::string>;

struct RedisOptions {
  std::string host;  // IP or name
  int port = 6379;
  int connect_timeout_ms = 2000;    // TCP connect + AUTH
  int command_timeout_ms = 5000;    // each reply
  std::string username;             // ACL user (redis >= 6); empty: password only
  std::string password;             // empty: no AUTH
  std::shared_ptr<TlsContext> tls;  // null: plain TCP
};

// Errors: kUnavailable (connect refused, connection closed), kTimeout (no reply within
// command_timeout_ms), kPermissionDenied (AUTH refused), kInvalidArgument (empty command);
// every message names the node ("redis 10.0.0.3:6379: ...") and never an argument.
// After a connection error or timeout the connection is dropped (a late reply can never be
// taken for the answer to a later command) and the next call reconnects and re-AUTHs.
class RedisClient {
 public:
  virtual ~RedisClient() = default;
  // "host:port", used in every error message.
  virtual const std::string& address() const = 0;
  // Sends one command. A Redis error reply is a successful Result holding a
  // kError reply; a non-ok Status means the connection failed or timed out.
  virtual Result<RedisReply> Command(const RedisCommand& argv) = 0;
  // Sends all commands, then reads all replies (one round trip).
  virtual Result<std::vector<RedisReply>> Pipeline(const std::vector<RedisCommand>& cmds) = 0;
  // Changes the reply timeout for later commands (MIGRATE of a big key).
  virtual void SetCommandTimeout(int ms) = 0;

  // Pipeline in two halves, so that one caller can have several nodes work
  // on their commands at the same time: Send to each, then Collect from each.
  // Collect returns the replies to the last Send (an empty vector after
  // none). This default sends nothing until Collect, which runs Pipeline.
  virtual Status Send(const std::vector<RedisCommand>& cmds) {
    unsent_ = cmds;
    return Status::Ok();
  }
  virtual Result<std::vector<RedisReply>> Collect() {
    std::vector<RedisCommand> cmds;
    cmds.swap(unsent_);
    if (cmds.empty()) return std::vector<RedisReply>{};
    return Pipeline(cmds);
  }

 private:
  std::vector<RedisCommand> unsent_;
};

// Opens connections; abstract so tests can hand out fakes.
class RedisConnector {
 public:
  virtual ~RedisConnector() = default;
  virtual Result<std::unique_ptr<RedisClient>> Connect(const std::string& host, int port) = 0;
};

// Connects (TLS when options.tls is set; AUTHs when a password is set). The first call sets SIGPIPE
// to ignored when it is at its default, so a write to a closed connection fails with EPIPE instead
// of killing the process.
Result<std::unique_ptr<RedisClient>> ConnectRedis(const RedisOptions& options);

// Connects every node with the same timeouts and credentials.
class HiredisConnector : public RedisConnector {
 public:
  explicit HiredisConnector(RedisOptions base) : base_(std::move(base)) {}
  Result<std::unique_ptr<RedisClient>> Connect(const std::string& host, int port) override;

 private:
  RedisOptions base_;
};

// Sends argv and turns an error reply into a Status naming the node and command.
Result<RedisReply> CommandChecked(RedisClient& client, const RedisCommand& argv);

// "HOST:PORT" -> host and port. Accepts "[v6]:port".
Status ParseHostPort(const std::string& text, std::string* host, int* port);

}  // namespace rc
