#include "common/slot_set.h"

#include <gtest/gtest.h>

namespace rc {
namespace {

TEST(SlotSet, FormatsRangesLikeRedisCli) {
  SlotSet set = SlotSet::Of({{0, 5460}, {5462, 5462}});
  EXPECT_EQ(set.ToString(), "0-5460,5462");
  EXPECT_EQ(set.Count(), 5462);
}

TEST(SlotSet, ParseRoundTrips) {
  auto parsed = SlotSet::Parse("0-5460,5462,10923-16383");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->ToString(), "0-5460,5462,10923-16383");
}

TEST(SlotSet, ParseRejectsOutOfRangeAndReversed) {
  EXPECT_FALSE(SlotSet::Parse("16384").ok());
  EXPECT_FALSE(SlotSet::Parse("10-5").ok());
  EXPECT_FALSE(SlotSet::Parse("a-b").ok());
  EXPECT_NE(SlotSet::Parse("5-x").status().message().find("5-x"), std::string::npos);
}

TEST(SlotSet, SetAlgebra) {
  SlotSet a = SlotSet::Of({{0, 99}});
  SlotSet b = SlotSet::Of({{50, 149}});
  EXPECT_EQ(a.Minus(b).ToString(), "0-49");
  EXPECT_EQ(a.Intersect(b).ToString(), "50-99");
  a.Merge(b);
  EXPECT_EQ(a.ToString(), "0-149");
}

TEST(SplitEvenly, ThreeMastersLikeRedisCli) {
  auto ranges = SplitEvenly(3);
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0], (SlotRange{0, 5461}));
  EXPECT_EQ(ranges[1], (SlotRange{5462, 10922}));
  EXPECT_EQ(ranges[2], (SlotRange{10923, 16383}));
}

TEST(SplitEvenly, CoversEverySlotOnce) {
  for (int parts : {1, 4, 7, 100}) {
    SlotSet all;
    int total = 0;
    for (auto r : SplitEvenly(parts)) {
      all.AddRange(r);
      total += r.size();
    }
    EXPECT_EQ(total, kSlotCount);
    EXPECT_EQ(all.Count(), kSlotCount);
  }
}

TEST(SlotSet, OutOfRangeSlotsAreIgnoredNotThrown) {
  SlotSet set;
  set.Add(-1);
  set.Add(kSlotCount);
  set.AddRange({16380, 20000});
  set.AddRange({-5, 1});
  set.Remove(-7);
  EXPECT_EQ(set.ToString(), "0-1,16380-16383");
  EXPECT_FALSE(set.Contains(-1));
  EXPECT_FALSE(set.Contains(kSlotCount));
  EXPECT_TRUE(set.Contains(16383));
}

}  // namespace
}  // namespace rc
