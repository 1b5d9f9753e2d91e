#include "common/redis_client.h"

#include <hiredis/hiredis.h>
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace rc {
namespace {

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval ToTimeval(int ms) {
  timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return tv;
}

// hiredis writes with write(2): a write to a connection the server has closed would raise
// SIGPIPE and kill the process. Ignore SIGPIPE once (only if nobody installed a handler) so
// such a write fails with EPIPE and becomes kUnavailable.
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

// The one place hiredis errors become Status values. `saved_errno` is errno right after
// the failing hiredis call (later calls may change errno).
Status TranslateError(const redisContext* ctx, const std::string& address, const std::string& what,
                      int saved_errno) {
  std::string detail = ctx ? ctx->errstr : "out of memory";
  // hiredis 0.14 reports a read timeout as an I/O error with EAGAIN ("Resource temporarily
  // unavailable") and a connect timeout with ETIMEDOUT ("Connection timed out").
  bool timed_out = ctx && ctx->err == REDIS_ERR_IO &&
                   (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK ||
                    saved_errno == ETIMEDOUT || detail.find("timed out") != std::string::npos ||
                    detail.find("temporarily unavailable") != std::string::npos);
  if (timed_out)
    return Timeout("redis " + address + ": " + what + ": no answer within the timeout");
  if (ctx && ctx->err == REDIS_ERR_EOF)
    return Unavailable("redis " + address + ": " + what + ": connection closed by the server");
  if (ctx && ctx->err == REDIS_ERR_PROTOCOL)
    return Internal("redis " + address + ": " + what + ": protocol error: " + detail);
  return Unavailable("redis " + address + ": " + what + ": " + detail);
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

class HiredisClient : public RedisClient {
 public:
  HiredisClient(RedisOptions options, ContextPtr ctx)
      : options_(std::move(options)),
        address_(options_.host + ":" + std::to_string(options_.port)),
        ctx_(std::move(ctx)) {}

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
    if (!ctx_) {
      Status s = Reconnect();
      if (!s.ok()) return s;
    }
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (const auto& cmd : cmds) {
      args.clear();
      lens.clear();
      for (const auto& a : cmd) {
        args.push_back(a.data());
        lens.push_back(a.size());
      }
      if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(args.size()), args.data(),
                                 lens.data()) != REDIS_OK) {
        int saved_errno = errno;
        return Fail(Name(cmds), saved_errno);
      }
    }
    std::vector<RedisReply> out;
    out.reserve(cmds.size());
    for (size_t i = 0; i < cmds.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || raw == nullptr) {
        int saved_errno = errno;
        return Fail(Name(cmds), saved_errno);
      }
      ReplyPtr reply(static_cast<redisReply*>(raw));
      out.push_back(Convert(reply.get()));
    }
    return out;
  }

  void SetCommandTimeout(int ms) override {
    options_.command_timeout_ms = ms;
    if (ctx_) redisSetTimeout(ctx_.get(), ToTimeval(ms));
  }

  // Finishes a new connection: AUTH (still under the connect timeout), then the command
  // timeout for everything after. Never keeps a connection whose AUTH failed.
  Status Handshake() {
    Status auth = Authenticate();
    if (!auth.ok()) {
      ctx_.reset();
      return auth;
    }
    if (redisSetTimeout(ctx_.get(), ToTimeval(options_.command_timeout_ms)) != REDIS_OK) {
      int saved_errno = errno;
      return Fail("set timeout", saved_errno);
    }
    return Status::Ok();
  }

 private:
  Status Authenticate() {
    if (options_.password.empty()) return Status::Ok();
    RedisCommand auth = options_.username.empty()
                            ? RedisCommand{"AUTH", options_.password}
                            : RedisCommand{"AUTH", options_.username, options_.password};
    auto reply = Command(auth);
    if (!reply.ok()) return reply.status();
    if (reply->IsError())
      return PermissionDenied("redis " + address_ + ": AUTH failed: " + reply->str);
    return Status::Ok();
  }

  static std::string Name(const std::vector<RedisCommand>& cmds) {
    if (cmds.empty() || cmds.front().empty()) return "empty pipeline";
    // Never include arguments: they may hold keys, values or passwords.
    std::string name = cmds.front().front();
    if (cmds.size() > 1) name += " (pipeline of " + std::to_string(cmds.size()) + ")";
    return name;
  }

  Status Fail(const std::string& what, int saved_errno) {
    Status s = TranslateError(ctx_.get(), address_, what, saved_errno);
    ctx_.reset();  // a failed hiredis context cannot be reused; reconnect next time
    return s;
  }

  Status Reconnect();

  RedisOptions options_;
  std::string address_;
  ContextPtr ctx_;
};

Result<ContextPtr> OpenContext(const RedisOptions& options) {
  std::string address = options.host + ":" + std::to_string(options.port);
  ContextPtr ctx(redisConnectWithTimeout(options.host.c_str(), options.port,
                                         ToTimeval(options.connect_timeout_ms)));
  int saved_errno = errno;
  if (!ctx || ctx->err) return TranslateError(ctx.get(), address, "connect", saved_errno);
  // AUTH is part of connecting: it runs under the connect timeout (see RedisOptions).
  if (redisSetTimeout(ctx.get(), ToTimeval(options.connect_timeout_ms)) != REDIS_OK)
    return TranslateError(ctx.get(), address, "set timeout", errno);
  return ctx;
}

Status HiredisClient::Reconnect() {
  auto ctx = OpenContext(options_);
  if (!ctx.ok()) return ctx.status();
  ctx_ = std::move(ctx).value();
  return Handshake();
}

}  // namespace

Result<std::unique_ptr<RedisClient>> ConnectRedis(const RedisOptions& options) {
  IgnoreSigpipeOnce();
  auto ctx = OpenContext(options);
  if (!ctx.ok()) return ctx.status();
  auto client = std::make_unique<HiredisClient>(options, std::move(ctx).value());
  RC_RETURN_IF_ERROR(client->Handshake());
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
