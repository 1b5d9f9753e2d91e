// The hiredis adapter against a real redis-server: replies, pipelining, binary safety,
// AUTH, and every failure the agent meets in production (refused, stopped, killed, closed).
#include "common/redis_client.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/redis_server_process.h"

namespace rc {
namespace {

using testing::LoopbackAddress;
using testing::RedisServerOptions;
using testing::RedisServerProcess;

// Loopback suite 30 belongs to the common tests; this file uses indexes 10..29, one per test,
// so a test never meets a socket left over by another.
constexpr int kSuite = 30;
constexpr char kPassword[] = "s3cret-for-this-test-only";

std::unique_ptr<RedisServerProcess> StartServer(int index, const std::string& password = "") {
  RedisServerOptions options;
  options.ip = LoopbackAddress(kSuite, index);
  options.cluster = false;
  options.password = password;
  auto server = std::make_unique<RedisServerProcess>(options);
  std::string error;
  EXPECT_TRUE(server->Start(&error)) << error;
  return server;
}

RedisOptions OptionsFor(const RedisServerProcess& server, const std::string& password = "") {
  RedisOptions options;
  options.host = server.ip();
  options.port = server.port();
  options.password = password;
  options.connect_timeout_ms = 1000;
  options.command_timeout_ms = 1000;
  return options;
}

std::unique_ptr<RedisClient> MustConnect(const RedisOptions& options) {
  auto client = ConnectRedis(options);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? std::move(client).value() : nullptr;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(RedisClient, SendsACommandAndReadsEachReplyType) {
  auto server = StartServer(10);
  auto client = MustConnect(OptionsFor(*server));
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->address(), server->address());

  auto set = client->Command({"SET", "k", "v"});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_TRUE(set->IsOk());
  auto get = client->Command({"GET", "k"});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->type, RedisReply::Type::kString);
  EXPECT_EQ(get->str, "v");
  auto incr = client->Command({"INCRBY", "n", "41"});
  ASSERT_TRUE(incr.ok());
  EXPECT_EQ(incr->type, RedisReply::Type::kInteger);
  EXPECT_EQ(incr->integer, 41);
  auto missing = client->Command({"GET", "nothing-here"});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->type, RedisReply::Type::kNil);
  client->Command({"RPUSH", "list", "a", "b", "c"});
  auto range = client->Command({"LRANGE", "list", "0", "-1"});
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->type, RedisReply::Type::kArray);
  ASSERT_EQ(range->elements.size(), 3u);
  EXPECT_EQ(range->elements[2].str, "c");
}

TEST(RedisClient, PipelinesAThousandCommandsInOrder) {
  auto server = StartServer(11);
  auto client = MustConnect(OptionsFor(*server));
  ASSERT_NE(client, nullptr);
  std::vector<RedisCommand> cmds;
  for (int i = 0; i < 1000; ++i) cmds.push_back({"RPUSH", "seq", std::to_string(i)});
  auto replies = client->Pipeline(cmds);
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  ASSERT_EQ(replies->size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ((*replies)[static_cast<size_t>(i)].integer, i + 1) << "reply #" << i;
  }
  auto last = client->Command({"LINDEX", "seq", "-1"});
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->str, "999");
}

TEST(RedisClient, KeysAndValuesAreBinarySafe) {
  auto server = StartServer(12);
  auto client = MustConnect(OptionsFor(*server));
  ASSERT_NE(client, nullptr);
  std::string key("k\0\r\n{x}", 7);
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  value += std::string("\r\n$3\r\n\0\0", 9);  // RESP framing inside a value
  ASSERT_TRUE(client->Command({"SET", key, value}).ok());
  auto get = client->Command({"GET", key});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->str, value);
  auto len = client->Command({"STRLEN", key});
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(len->integer, static_cast<long long>(value.size()));
  auto empty = client->Command({"SET", "empty", ""});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(client->Command({"GET", "empty"})->str, "");
  EXPECT_EQ(client->Command({"GET", "empty"})->type, RedisReply::Type::kString);
}

TEST(RedisClient, ErrorRepliesAreRepliesNotStatuses) {
  auto server = StartServer(13);
  auto client = MustConnect(OptionsFor(*server));
  ASSERT_NE(client, nullptr);
  client->Command({"SET", "text", "abc"});
  auto reply = client->Command({"INCR", "text"});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_TRUE(reply->IsError());
  EXPECT_TRUE(reply->ErrorStartsWith("ERR"));
  // In a pipeline the error takes its slot and later replies stay aligned.
  auto replies = client->Pipeline({{"SET", "a", "1"}, {"NOSUCHCOMMAND"}, {"GET", "a"}});
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_TRUE((*replies)[0].IsOk());
  EXPECT_TRUE((*replies)[1].ErrorStartsWith("ERR unknown command"));
  EXPECT_EQ((*replies)[2].str, "1");
  // CommandChecked turns the error reply into a Status naming the node and the command.
  auto checked = CommandChecked(*client, {"INCR", "text"});
  ASSERT_FALSE(checked.ok());
  EXPECT_TRUE(Contains(checked.status().message(), server->address()));
  EXPECT_TRUE(Contains(checked.status().message(), "INCR failed"));
  // The connection is still usable.
  EXPECT_EQ(client->Command({"GET", "a"})->str, "1");
}

TEST(RedisClient, EmptyCommandIsRejectedWithoutTouchingTheConnection) {
  auto server = StartServer(14);
  auto client = MustConnect(OptionsFor(*server));
  ASSERT_NE(client, nullptr);
  auto reply = client->Pipeline({{"PING"}, {}});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Contains(reply.status().message(), "empty command"));
  EXPECT_EQ(client->Command({"PING"})->str, "PONG");
}

TEST(RedisClient, AuthWithTheRightPassword) {
  auto server = StartServer(15, kPassword);
  auto client = MustConnect(OptionsFor(*server, kPassword));
  ASSERT_NE(client, nullptr);
  auto pong = client->Command({"PING"});
  ASSERT_TRUE(pong.ok());
  EXPECT_EQ(pong->str, "PONG");
  // Without a password the server refuses commands (a reply, not a connection error).
  auto anonymous = MustConnect(OptionsFor(*server));
  ASSERT_NE(anonymous, nullptr);
  auto refused = anonymous->Command({"GET", "k"});
  ASSERT_TRUE(refused.ok());
  EXPECT_TRUE(refused->ErrorStartsWith("NOAUTH"));
}

TEST(RedisClient, WrongPasswordIsPermissionDeniedNamingTheNode) {
  auto server = StartServer(16, kPassword);
  auto client = ConnectRedis(OptionsFor(*server, "not-the-password"));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), ErrorCode::kPermissionDenied) << client.status().ToString();
  EXPECT_TRUE(Contains(client.status().message(), server->address())) << client.status().message();
  EXPECT_FALSE(Contains(client.status().message(), "not-the-password"));
}

TEST(RedisClient, ClosedPortIsUnavailableNamingTheNode) {
  RedisOptions options;
  options.host = LoopbackAddress(kSuite, 17);  // nothing listens here
  options.port = 6379;
  auto client = ConnectRedis(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), ErrorCode::kUnavailable) << client.status().ToString();
  EXPECT_TRUE(Contains(client.status().message(), options.host + ":6379"))
      << client.status().message();
}

TEST(RedisClient, StoppedServerIsATimeoutAndALateReplyIsNeverMisread) {
  auto server = StartServer(18);
  RedisOptions options = OptionsFor(*server);
  options.command_timeout_ms = 300;
  auto client = MustConnect(options);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Command({"SET", "k", "before"}).ok());
  server->Stop(SIGSTOP);
  auto reply = client->Command({"GET", "k"});
  server->Stop(SIGCONT);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kTimeout) << reply.status().ToString();
  EXPECT_TRUE(Contains(reply.status().message(), server->address()));
  EXPECT_TRUE(Contains(reply.status().message(), "GET"));
  // The GET answered after SIGCONT belongs to the dropped connection, not to this INCR.
  auto next = client->Command({"INCR", "counter"});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->type, RedisReply::Type::kInteger);
  EXPECT_EQ(next->integer, 1);
}

TEST(RedisClient, ConnectionClosedByTheServerIsUnavailableThenReconnects) {
  auto server = StartServer(19, kPassword);
  auto client = MustConnect(OptionsFor(*server, kPassword));
  auto admin = MustConnect(OptionsFor(*server, kPassword));
  ASSERT_NE(client, nullptr);
  ASSERT_NE(admin, nullptr);
  auto id = client->Command({"CLIENT", "ID"});
  ASSERT_TRUE(id.ok());
  auto killed = admin->Command({"CLIENT", "KILL", "ID", std::to_string(id->integer)});
  ASSERT_TRUE(killed.ok());
  ASSERT_EQ(killed->integer, 1);
  auto reply = client->Command({"PING"});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kUnavailable) << reply.status().ToString();
  EXPECT_TRUE(Contains(reply.status().message(), server->address()));
  // Next command: a new connection, authenticated again.
  auto again = client->Command({"CLIENT", "ID"});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->type, RedisReply::Type::kInteger);
  EXPECT_NE(again->integer, id->integer);
}

TEST(RedisClient, KilledServerIsUnavailableUntilItIsBack) {
  auto server = StartServer(20);
  auto client = MustConnect(OptionsFor(*server));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Command({"PING"}).ok());
  server->Kill(SIGKILL);
  auto lost = client->Command({"PING"});
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), ErrorCode::kUnavailable) << lost.status().ToString();
  auto down = client->Command({"PING"});  // reconnect attempt: refused
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), ErrorCode::kUnavailable) << down.status().ToString();
  EXPECT_TRUE(Contains(down.status().message(), server->address()));
  std::string error;
  ASSERT_TRUE(server->Start(&error)) << error;
  auto back = client->Command({"PING"});
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->str, "PONG");
}

TEST(RedisClient, BigPipelineToAKilledServerFailsWithoutSigpipe) {
  auto server = StartServer(21);
  auto client = MustConnect(OptionsFor(*server));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Command({"PING"}).ok());
  server->Kill(SIGKILL);
  // Megabytes of writes into a reset connection: EPIPE, not a dead test process.
  std::vector<RedisCommand> cmds(400, RedisCommand{"SET", "k", std::string(64 * 1024, 'x')});
  auto replies = client->Pipeline(cmds);
  ASSERT_FALSE(replies.ok());
  EXPECT_EQ(replies.status().code(), ErrorCode::kUnavailable) << replies.status().ToString();
  EXPECT_TRUE(Contains(replies.status().message(), "pipeline of 400"));
}

TEST(RedisClient, WrongPasswordOnReconnectDoesNotKeepAnAnonymousConnection) {
  auto server = StartServer(22, kPassword);
  auto client = MustConnect(OptionsFor(*server, kPassword));
  auto admin = MustConnect(OptionsFor(*server, kPassword));
  ASSERT_NE(client, nullptr);
  ASSERT_NE(admin, nullptr);
  // The password changes while the client is connected, then its connection is closed.
  ASSERT_TRUE(admin->Command({"CONFIG", "SET", "requirepass", "rotated-password"}).ok());
  auto id = client->Command({"CLIENT", "ID"});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(admin->Command({"CLIENT", "KILL", "ID", std::to_string(id->integer)}).ok());
  EXPECT_EQ(client->Command({"PING"}).status().code(), ErrorCode::kUnavailable);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto reply = client->Command({"PING"});
    ASSERT_FALSE(reply.ok()) << "attempt " << attempt;
    EXPECT_EQ(reply.status().code(), ErrorCode::kPermissionDenied) << reply.status().ToString();
  }
}

TEST(RedisClient, AuthRunsUnderTheConnectTimeout) {
  auto server = StartServer(23, kPassword);
  RedisOptions options = OptionsFor(*server, kPassword);
  options.connect_timeout_ms = 300;
  options.command_timeout_ms = 20000;
  server->Stop(SIGSTOP);  // the kernel still accepts the TCP connection; AUTH gets no answer
  auto started = std::chrono::steady_clock::now();
  auto client = ConnectRedis(options);
  auto waited = std::chrono::steady_clock::now() - started;
  server->Stop(SIGCONT);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), ErrorCode::kTimeout) << client.status().ToString();
  EXPECT_TRUE(Contains(client.status().message(), "AUTH"));
  // Which timeout applied, not how fast: 300 ms connect timeout, not the 20 s command one.
  EXPECT_LT(waited, std::chrono::seconds(10));
}

TEST(RedisClient, SendThenCollectLetsTwoServersWorkAtOnce) {
  auto first = StartServer(24);
  auto second = StartServer(25);
  auto a = MustConnect(OptionsFor(*first));
  auto b = MustConnect(OptionsFor(*second));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  // Both hold their commands before either is read; each gets its own replies.
  ASSERT_TRUE(a->Send({{"SET", "k", "on-a"}, {"INCR", "n"}}).ok());
  ASSERT_TRUE(b->Send({{"SET", "k", "on-b"}, {"INCR", "n"}, {"INCR", "n"}}).ok());
  auto from_b = b->Collect();
  auto from_a = a->Collect();
  ASSERT_TRUE(from_a.ok()) << from_a.status().ToString();
  ASSERT_TRUE(from_b.ok()) << from_b.status().ToString();
  ASSERT_EQ(from_a->size(), 2u);
  ASSERT_EQ(from_b->size(), 3u);
  EXPECT_TRUE((*from_a)[0].IsOk());
  EXPECT_EQ((*from_a)[1].integer, 1);
  EXPECT_EQ((*from_b)[2].integer, 2);
  // Nothing sent since: nothing to collect, and the connection goes on.
  auto none = a->Collect();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto k = a->Command({"GET", "k"});
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->str, "on-a");
}

TEST(RedisClient, ACommandBeforeCollectIsRefusedAndNeverGetsAnotherCommandsReply) {
  auto server = StartServer(26);
  auto client = MustConnect(OptionsFor(*server));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send({{"SET", "k", "v"}}).ok());
  auto early = client->Command({"GET", "k"});
  ASSERT_FALSE(early.ok());
  EXPECT_TRUE(Contains(early.status().message(), "before Collect")) << early.status().ToString();
  // The connection was dropped with the unread reply; the next call reconnects.
  auto k = client->Command({"GET", "k"});
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->str, "v");
}

}  // namespace
}  // namespace rc
