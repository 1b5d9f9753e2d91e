#include "common/slot_hash.h"

#include <gtest/gtest.h>

namespace rc {
namespace {

// The cluster specification's reference vector for CRC16-XMODEM.
TEST(Crc16, MatchesTheSpecificationVector) { EXPECT_EQ(Crc16("123456789"), 0x31C3); }

TEST(Crc16, EmptyInputIsZero) { EXPECT_EQ(Crc16(""), 0); }

TEST(KeySlot, KnownKeys) {
  // Values as `CLUSTER KEYSLOT` of redis 7.0 prints them.
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
  EXPECT_EQ(KeySlot("hello"), 866);
}

TEST(HashTag, FollowsTheSpecification) {
  EXPECT_EQ(HashTag("{user1000}.following"), "user1000");
  EXPECT_EQ(HashTag("foo{}{bar}"), "foo{}{bar}");  // empty first tag: whole key
  EXPECT_EQ(HashTag("foo{{bar}}zap"), "{bar");     // first '{' to first '}'
  EXPECT_EQ(HashTag("foo{bar}{zap}"), "bar");      // only the first tag
  EXPECT_EQ(HashTag("{a}{b}"), "a");
  EXPECT_EQ(HashTag("a{}b"), "a{}b");
  EXPECT_EQ(HashTag("{"), "{");
  EXPECT_EQ(HashTag("}"), "}");
  EXPECT_EQ(HashTag("}{x}"), "x");
}

TEST(KeySlot, KeysSharingATagShareASlot) {
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("{user1000}.followers"));
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
}

}  // namespace
}  // namespace rc
