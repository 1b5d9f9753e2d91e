// The subcommands' flag parser (agent/cli/flag_parser.h): forms accepted,
// every usage error named. (Kept with the engine tests: rebalance, drain and
// status are the commands using it.)
#include "common/flag_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rc {
namespace {

struct Args {
  explicit Args(std::vector<std::string> a) : storage(std::move(a)) {
    for (auto& s : storage) argv.push_back(s.data());
  }
  int argc() const { return static_cast<int>(argv.size()); }
  std::vector<std::string> storage;
  std::vector<char*> argv;
};

class FlagParserTest : public ::testing::Test {
 protected:
  FlagParserTest() : parser_("demo --seed HOST:PORT", "About demo.") {
    parser_.AddString("seed", &seed_, "a node", "HOST:PORT");
    parser_.AddInt("batch", &batch_, "keys");
    parser_.AddBool("dry-run", &dry_run_, "plan only");
    parser_.AddList("weight", &weights_, "weights", "NODE=W");
  }
  FlagParser::Outcome Parse(std::vector<std::string> a) {
    a.insert(a.begin(), "demo");
    Args args(a);
    return parser_.Parse(args.argc(), args.argv.data());
  }
  FlagParser parser_;
  std::string seed_;
  int batch_ = 10;
  bool dry_run_ = false;
  std::vector<std::string> weights_;
};

TEST_F(FlagParserTest, AcceptsSpaceAndEqualsFormsBooleansAndRepeats) {
  EXPECT_EQ(Parse({"--seed", "h:1", "--batch=500", "--dry-run", "--weight", "a=1", "--weight=b=2"}),
            FlagParser::Outcome::kOk);
  EXPECT_EQ(seed_, "h:1");
  EXPECT_EQ(batch_, 500);
  EXPECT_TRUE(dry_run_);
  EXPECT_EQ(weights_, (std::vector<std::string>{"a=1", "b=2"}));
}

TEST_F(FlagParserTest, HelpIsNotAnError) {
  EXPECT_EQ(Parse({"--seed", "x", "--help"}), FlagParser::Outcome::kHelp);
  EXPECT_EQ(Parse({"-h"}), FlagParser::Outcome::kHelp);
  std::string usage = parser_.Usage();
  EXPECT_NE(usage.find("usage: redis-cluster-agent demo --seed HOST:PORT"), std::string::npos);
  EXPECT_NE(usage.find("--weight NODE=W"), std::string::npos);
  EXPECT_NE(usage.find("Exit codes: 0 ok, 1 failure, 2 bad usage."), std::string::npos);
}

TEST_F(FlagParserTest, UsageErrorsNameTheFlag) {
  EXPECT_EQ(Parse({"--nope"}), FlagParser::Outcome::kBadUsage);
  EXPECT_EQ(parser_.error(), "unknown flag --nope");
  EXPECT_EQ(Parse({"--seed"}), FlagParser::Outcome::kBadUsage);
  EXPECT_EQ(parser_.error(), "flag --seed needs a value");
  EXPECT_EQ(Parse({"--batch", "12x"}), FlagParser::Outcome::kBadUsage);
  EXPECT_EQ(parser_.error(), "flag --batch: '12x' is not a valid N");
  EXPECT_EQ(Parse({"--dry-run=yes"}), FlagParser::Outcome::kBadUsage);
  EXPECT_EQ(parser_.error(), "flag --dry-run takes no value");
  EXPECT_EQ(Parse({"stray"}), FlagParser::Outcome::kBadUsage);
  EXPECT_EQ(parser_.error(), "unexpected argument 'stray'");
}

}  // namespace
}  // namespace rc
