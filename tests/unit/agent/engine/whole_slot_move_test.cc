#include "agent/engine/whole_slot_move.h"

#include <gtest/gtest.h>

namespace rc::engine {
namespace {

WholeSlotMove Move() {
  WholeSlotMove m;
  m.slots = {7, 8, 9};
  m.max_keys = 20;
  m.target_host = "10.0.0.4";
  m.target_port = 6380;
  m.target_id = "abcd";
  m.timeout_ms = 5000;
  return m;
}

TEST(WholeSlotMoveTest, CommandCarriesTheLimitTheTargetAndTheSlotsInOrder) {
  RedisCommand cmd = WholeSlotMoveCommand(Move());
  ASSERT_EQ(cmd.size(), 13u);
  EXPECT_EQ(cmd[0], "EVAL");
  EXPECT_EQ(cmd[1].rfind("#!lua flags=allow-cross-slot-keys\n", 0), 0u);
  EXPECT_EQ(cmd[2], "0");  // no declared keys: the script finds them itself
  EXPECT_EQ((RedisCommand{cmd.begin() + 3, cmd.end()}),
            (RedisCommand{"20", "10.0.0.4", "6380", "5000", "abcd", "NODE", "3", "7", "8", "9"}));
}

TEST(WholeSlotMoveTest, KeepClaimingLeavesTheSlotsMigratingInsteadOfHandingThemOver) {
  WholeSlotMove m = Move();
  m.keep_claiming = true;
  EXPECT_EQ(WholeSlotMoveCommand(m)[8], "MIGRATING");
}

TEST(WholeSlotMoveTest, Pre7ScriptHasNoShebangAndTheSameBody) {
  WholeSlotMove m = Move();
  const std::string modern = WholeSlotMoveCommand(m)[1];
  m.pre_7_script = true;
  const std::string old = WholeSlotMoveCommand(m)[1];
  EXPECT_NE(old.rfind("#!", 0), 0u);
  EXPECT_EQ(modern.substr(modern.find('\n') + 1), old);
}

TEST(WholeSlotMoveTest, PasswordGoesAsAuthOrAuth2AfterTheSlots) {
  WholeSlotMove m = Move();
  m.password = "secret";
  RedisCommand cmd = WholeSlotMoveCommand(m);
  EXPECT_EQ((RedisCommand{cmd.end() - 2, cmd.end()}), (RedisCommand{"AUTH", "secret"}));
  m.username = "agent";
  cmd = WholeSlotMoveCommand(m);
  EXPECT_EQ((RedisCommand{cmd.end() - 3, cmd.end()}), (RedisCommand{"AUTH2", "agent", "secret"}));
}

RedisReply Slots(std::vector<long long> slots) {
  std::vector<RedisReply> out;
  for (long long s : slots) out.push_back(RedisReply::Integer(s));
  return RedisReply::Array(std::move(out));
}

RedisReply Reply(const char* kind, long long keys, const char* error, std::vector<long long> moved,
                 std::vector<long long> big, long long failed) {
  return RedisReply::Array({RedisReply::String(kind), RedisReply::Integer(keys),
                            RedisReply::String(error), Slots(std::move(moved)),
                            Slots(std::move(big)), RedisReply::Integer(failed)});
}

TEST(WholeSlotMoveTest, ParsesMovedAndFailedReplies) {
  auto moved = ParseWholeSlotReply(Reply("moved", 41, "", {7, 9}, {8}, -1));
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->moved, (std::vector<int>{7, 9}));
  EXPECT_EQ(moved->keys_moved, 41);
  EXPECT_EQ(moved->too_many_keys, (std::vector<int>{8}));
  EXPECT_EQ(moved->failed_slot, -1);
  EXPECT_TRUE(moved->migrate_error.empty());

  auto failed =
      ParseWholeSlotReply(Reply("migrate-failed", 5, "IOERR error or timeout", {7}, {}, 8));
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->moved, (std::vector<int>{7}));
  EXPECT_EQ(failed->keys_moved, 5);
  EXPECT_EQ(failed->failed_slot, 8);
  EXPECT_EQ(failed->migrate_error, "IOERR error or timeout");
}

TEST(WholeSlotMoveTest, ErrorsAndOddRepliesAreErrorsNamingWhatCame) {
  auto refused = ParseWholeSlotReply(
      RedisReply::Error("NOPERM this user has no permissions to run the 'eval' command"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("NOPERM"), std::string::npos);
  EXPECT_FALSE(ParseWholeSlotReply(RedisReply::Status("OK")).ok());
  EXPECT_FALSE(ParseWholeSlotReply(Reply("teleported", 1, "", {1}, {}, -1)).ok());
  EXPECT_FALSE(ParseWholeSlotReply(Reply("moved", 1, "", {16384}, {}, -1)).ok());
  EXPECT_FALSE(ParseWholeSlotReply(RedisReply::Array({RedisReply::String("moved")})).ok());
}

TEST(WholeSlotMoveTest, ScriptVariantFollowsTheServerVersion) {
  auto of = [](const char* info) { return WholeSlotSupportOf(agent::ParseInfoServer(info)); };
  EXPECT_EQ(of("redis_version:5.0.14\r\n"), WholeSlotSupport::kPre7Script);
  EXPECT_EQ(of("redis_version:6.2.16\r\n"), WholeSlotSupport::kPre7Script);
  EXPECT_EQ(of("redis_version:7.0.12\r\n"), WholeSlotSupport::kScript);
  // 7.0.13 - 7.2.3 keep a stale "owner not claiming" mark (whole_slot_move.h).
  for (const char* v : {"redis_version:7.0.13\r\n", "redis_version:7.0.15\r\n",
                        "redis_version:7.2.0\r\n", "redis_version:7.2.3\r\n"})
    EXPECT_EQ(of(v), WholeSlotSupport::kKeepClaiming) << v;
  EXPECT_EQ(of("redis_version:7.2.4\r\n"), WholeSlotSupport::kScript);
  EXPECT_EQ(of("redis_version:7.4.1\r\n"), WholeSlotSupport::kScript);
  EXPECT_EQ(of("redis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:7.2.5\r\n"),
            WholeSlotSupport::kScript);
  // Valkey 8 replicates SETSLOT and blocks the caller: no SETSLOT in a script.
  EXPECT_EQ(of("redis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\n"),
            WholeSlotSupport::kNo);
  EXPECT_EQ(of("something else\r\n"), WholeSlotSupport::kNo);
}

}  // namespace
}  // namespace rc::engine
