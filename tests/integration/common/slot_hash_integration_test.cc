// KeySlot() against the reference: CLUSTER KEYSLOT of a real redis-server 7.0
// in cluster mode, for thousands of random binary keys and the hash-tag corner cases.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/redis_client.h"
#include "common/slot_hash.h"
#include "tests/support/redis_server_process.h"

namespace rc {
namespace {

using testing::LoopbackAddress;
using testing::RedisServerOptions;
using testing::RedisServerProcess;

// Loopback suite 30 belongs to the common tests; index 0 is this file's node.
constexpr int kSuite = 30;

class SlotHashAgainstServer : public ::testing::Test {
 protected:
  void SetUp() override {
    RedisServerOptions options;
    options.ip = LoopbackAddress(kSuite, 0);
    server_ = std::make_unique<RedisServerProcess>(options);
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
    RedisOptions ro;
    ro.host = server_->ip();
    ro.port = server_->port();
    auto client = ConnectRedis(ro);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(client).value();
  }

  // Asks the server for the slot of every key in one pipeline and compares.
  void ExpectSameSlots(const std::vector<std::string>& keys) {
    std::vector<RedisCommand> cmds;
    cmds.reserve(keys.size());
    for (const auto& k : keys) cmds.push_back({"CLUSTER", "KEYSLOT", k});
    auto replies = client_->Pipeline(cmds);
    ASSERT_TRUE(replies.ok()) << replies.status().ToString();
    ASSERT_EQ(replies->size(), keys.size());
    int mismatches = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      const RedisReply& r = (*replies)[i];
      ASSERT_EQ(r.type, RedisReply::Type::kInteger) << "reply for key #" << i << ": " << r.str;
      if (r.integer != KeySlot(keys[i]) && ++mismatches <= 10) {
        ADD_FAILURE() << "key #" << i << " (" << keys[i].size() << " bytes, hex " << Hex(keys[i])
                      << "): server says " << r.integer << ", KeySlot says " << KeySlot(keys[i]);
      }
    }
    EXPECT_EQ(mismatches, 0);
  }

  static std::string Hex(const std::string& s) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s.substr(0, 32)) {
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
    return out;
  }

  std::unique_ptr<RedisServerProcess> server_;
  std::unique_ptr<RedisClient> client_;
};

TEST_F(SlotHashAgainstServer, HashTagCornerCasesMatch) {
  std::vector<std::string> keys = {
      "",
      "{}",
      "{a}{b}",
      "a{}b",
      "{",
      "}",
      "{{a}}",
      "{{}}",
      "}{",
      "}{x}",
      "{}{x}",
      "x{}{y}",
      "{a",
      "a}",
      "a{b",
      "a}b{c}",
      "{user1000}.following",
      "foo{}{bar}",
      "foo{{bar}}zap",
      "foo{bar}{zap}",
      "{ }",
      "{\n}",
      "{{",
      "}}",
      "{}}",
      "{{}",
      "{a}}",
      "{{a}",
      "x{a}{}",
      "123456789",
      "foo",
      "bar",
      "hello",
      std::string("{\0}", 3),
      std::string("\0{a}\0", 5),
      std::string("{\xff}", 3),
      "\xff\xfe{\x80}",
  };
  ExpectSameSlots(keys);
}

TEST_F(SlotHashAgainstServer, RandomBinaryKeysMatch) {
  // Fixed seed: a failure is reproducible; the bytes favour braces so tags are common.
  std::mt19937 rng(20261125);
  std::uniform_int_distribution<int> length(0, 48);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> pick(0, 9);
  std::vector<std::string> keys;
  for (int i = 0; i < 4000; ++i) {
    std::string key;
    int n = length(rng);
    for (int j = 0; j < n; ++j) {
      int p = pick(rng);
      if (p == 0)
        key.push_back('{');
      else if (p == 1)
        key.push_back('}');
      else if (p == 2)
        key.push_back('\0');
      else
        key.push_back(static_cast<char>(byte(rng)));
    }
    keys.push_back(std::move(key));
  }
  // Long keys too (the CRC runs over every byte).
  for (int i = 0; i < 20; ++i) {
    std::string key(static_cast<size_t>(1000 + i * 977), 'x');
    for (auto& c : key) c = static_cast<char>(byte(rng));
    keys.push_back(std::move(key));
  }
  ExpectSameSlots(keys);
}

}  // namespace
}  // namespace rc
