#include "common/redis_client.h"

#include <hiredis/hiredis.h>
#include <signal.h>

#include <mutex>

#include "common/redis_stream.h"

namespace rc {
namespace {

struct ReaderDeleter {
  void operator()(redisReader* r) const { redisReaderFree(r); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReaderPtr = std::unique_ptr<redisReader, ReaderDeleter>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// A TLS write to a connection the server has closed raises SIGPIPE (OpenSSL
// writes with write(2)) and would kill the process. Ignore SIGPIPE once (only
// if nobody installed a handler) so such a write fails with EPIPE and becomes
// kUnavailable.
void IgnoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      struct sigaction ignore {};
      ignore.sa_handler = SIG_IGN;
      sigemptyset(&ignore.sa_mask);
      sigaction(SIGPIPE, &ignore, nullptr);
    }
  });
}

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
      break;
  }
  return out;
}

// Appends one command in RESP (hiredis formats it).
Status AppendCommand(const RedisCommand& cmd, std::string* out) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  args.reserve(cmd.size());
  lens.reserve(cmd.size());
  for (const auto& a : cmd) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  char* formatted = nullptr;
  int len =
      redisFormatCommandArgv(&formatted, static_cast<int>(args.size()), args.data(), lens.data());
  if (len < 0 || formatted == nullptr) return Internal("out of memory formatting a command");
  out->append(formatted, static_cast<size_t>(len));
  redisFreeCommand(formatted);
  return Status::Ok();
}

// One connection: commands out as RESP through a RedisStream (plain or TLS),
// replies parsed by hiredis's reader.
class RespClient : public RedisClient {
 public:
  explicit RespClient(RedisOptions options)
      : options_(std::move(options)),
        address_(options_.host + ":" + std::to_string(options_.port)) {}

  const std::string& address() const override { return address_; }

  Result<RedisReply> Command(const RedisCommand& argv) override {
    auto replies = Pipeline({argv});
    if (!replies.ok()) return replies.status();
    return std::move(replies->front());
  }

  Result<std::vector<RedisReply>> Pipeline(const std::vector<RedisCommand>& cmds) override {
    for (const auto& cmd : cmds) {
      if (cmd.empty())
        return InvalidArgument("redis " + address_ + ": empty command in " + Name(cmds));
    }
    if (sent_ != 0) {  // a Send whose replies nobody read would answer these commands
      sent_ = 0;
      return Fail(Internal("redis " + address_ + ": " + Name(cmds) + " sent before Collect of " +
                           sent_name_));
    }
    if (!stream_) RC_RETURN_IF_ERROR(Connect());
    return Exchange(cmds, options_.command_timeout_ms);
  }

  void SetCommandTimeout(int ms) override { options_.command_timeout_ms = ms; }

  Status Send(const std::vector<RedisCommand>& cmds) override {
    for (const auto& cmd : cmds) {
      if (cmd.empty())
        return InvalidArgument("redis " + address_ + ": empty command in " + Name(cmds));
    }
    if (sent_ != 0) {
      sent_ = 0;
      return Fail(Internal("redis " + address_ + ": " + Name(cmds) + " sent before Collect of " +
                           sent_name_));
    }
    if (!stream_) RC_RETURN_IF_ERROR(Connect());
    RC_RETURN_IF_ERROR(Write(cmds, options_.command_timeout_ms));
    sent_ = cmds.size();
    sent_name_ = Name(cmds);
    return Status::Ok();
  }

  Result<std::vector<RedisReply>> Collect() override {
    const size_t n = sent_;
    sent_ = 0;
    if (n == 0) return std::vector<RedisReply>{};
    if (!stream_) return Unavailable("redis " + address_ + ": " + sent_name_ + ": connection lost");
    return Read(n, sent_name_, options_.command_timeout_ms);
  }

  // Opens the connection and AUTHs, all under the connect timeout. Never
  // keeps a connection whose AUTH failed.
  Status Connect() {
    auto stream = RedisStream::Open(options_.host, options_.port, options_.connect_timeout_ms,
                                    options_.tls.get());
    if (!stream.ok()) return stream.status();
    stream_ = std::move(stream).value();
    reader_.reset(redisReaderCreate());
    if (!reader_) {
      stream_.reset();
      return Internal("redis " + address_ + ": out of memory");
    }
    Status auth = Authenticate();
    if (!auth.ok()) Drop();
    return auth;
  }

 private:
  Result<std::vector<RedisReply>> Exchange(const std::vector<RedisCommand>& cmds, int timeout_ms) {
    RC_RETURN_IF_ERROR(Write(cmds, timeout_ms));
    return Read(cmds.size(), Name(cmds), timeout_ms);
  }

  Status Write(const std::vector<RedisCommand>& cmds, int timeout_ms) {
    std::string out;
    for (const auto& cmd : cmds) RC_RETURN_IF_ERROR(AppendCommand(cmd, &out));
    Status wrote = stream_->WriteAll(out, timeout_ms, Name(cmds));
    return wrote.ok() ? wrote : Fail(wrote);
  }

  Result<std::vector<RedisReply>> Read(size_t count, const std::string& what, int timeout_ms) {
    std::vector<RedisReply> replies;
    replies.reserve(count);
    char buf[16 * 1024];
    while (replies.size() < count) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK)
        return Fail(Internal("redis " + address_ + ": " + what +
                             ": protocol error: " + std::string(reader_->errstr)));
      if (raw != nullptr) {
        ReplyPtr reply(static_cast<redisReply*>(raw));
        replies.push_back(Convert(reply.get()));
        continue;
      }
      auto n = stream_->ReadSome(buf, sizeof buf, timeout_ms, what);
      if (!n.ok()) return Fail(n.status());
      if (redisReaderFeed(reader_.get(), buf, *n) != REDIS_OK)
        return Fail(Internal("redis " + address_ + ": " + what +
                             ": protocol error: " + std::string(reader_->errstr)));
    }
    return replies;
  }

  Status Authenticate() {
    if (options_.password.empty()) return Status::Ok();
    RedisCommand auth = options_.username.empty()
                            ? RedisCommand{"AUTH", options_.password}
                            : RedisCommand{"AUTH", options_.username, options_.password};
    auto reply = Exchange({auth}, options_.connect_timeout_ms);
    if (!reply.ok()) return reply.status();
    if (reply->front().IsError())
      return PermissionDenied("redis " + address_ + ": AUTH failed: " + reply->front().str);
    return Status::Ok();
  }

  static std::string Name(const std::vector<RedisCommand>& cmds) {
    if (cmds.empty() || cmds.front().empty()) return "empty pipeline";
    // Never include arguments: they may hold keys, values or passwords.
    std::string name = cmds.front().front();
    if (cmds.size() > 1) name += " (pipeline of " + std::to_string(cmds.size()) + ")";
    return name;
  }

  // A failed or timed-out connection is dropped: a late reply can never be
  // taken for the answer to a later command. The next call reconnects.
  Status Fail(Status s) {
    Drop();
    return s;
  }
  void Drop() {
    reader_.reset();
    stream_.reset();
  }

  RedisOptions options_;
  std::string address_;
  std::unique_ptr<RedisStream> stream_;
  ReaderPtr reader_;
  size_t sent_ = 0;        // replies a Send left for Collect
  std::string sent_name_;  // what they answer, for errors
};

}  // namespace

Result<std::unique_ptr<RedisClient>> ConnectRedis(const RedisOptions& options) {
  IgnoreSigpipeOnce();
  auto client = std::make_unique<RespClient>(options);
  RC_RETURN_IF_ERROR(client->Connect());
  return std::unique_ptr<RedisClient>(std::move(client));
}

Result<std::unique_ptr<RedisClient>> HiredisConnector::Connect(const std::string& host, int port) {
  RedisOptions options = base_;
  options.host = host;
  options.port = port;
  return ConnectRedis(options);
}

Result<RedisReply> CommandChecked(RedisClient& client, const RedisCommand& argv) {
  auto reply = client.Command(argv);
  if (!reply.ok()) return reply.status();
  if (reply->IsError()) {
    std::string name = argv.empty() ? "" : argv[0];
    if (argv.size() > 1 && (name == "CLUSTER" || name == "CONFIG")) name += " " + argv[1];
    return Internal("redis " + client.address() + ": " + name + " failed: " + reply->str);
  }
  return reply;
}

Status ParseHostPort(const std::string& text, std::string* host, int* port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return InvalidArgument("'" + text + "' is not HOST:PORT");
  std::string h = text.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  int p = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9') return InvalidArgument("'" + text + "': port is not a number");
    p = p * 10 + (c - '0');
    if (p > 65535) return InvalidArgument("'" + text + "': port out of range");
  }
  if (p == 0) return InvalidArgument("'" + text + "': port out of range");
  *host = h;
  *port = p;
  return Status::Ok();
}

}  // namespace rc
