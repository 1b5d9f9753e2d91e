#include "agent/config/agent_user.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace rc::agent {
namespace {

bool HasRule(const std::vector<std::string>& rules, const std::string& rule) {
  return std::find(rules.begin(), rules.end(), rule) != rules.end();
}

TEST(AgentUser, PasswordIsDerivedTheSameWayOnEveryPodAndDiffersFromTheDefault) {
  std::string a = AgentPassword("hunter2");
  EXPECT_EQ(a, AgentPassword("hunter2"));
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a, AgentPassword("hunter3"));
  EXPECT_EQ(a.find("hunter2"), std::string::npos);
  EXPECT_EQ(AgentPassword(""), "");
}

TEST(AgentUser, RulesHoldOnlyWhatTheAgentSendsAndNeverThePasswordItself) {
  std::string password = AgentPassword("pw");
  auto rules = AgentUserRules(password);
  ASSERT_GE(rules.size(), 5u);
  // reset first, so ACL SETUSER on an existing user leaves exactly these rules.
  EXPECT_EQ(rules[0], "reset");
  EXPECT_TRUE(HasRule(rules, "on"));
  EXPECT_TRUE(HasRule(rules, "-@all"));
  EXPECT_TRUE(HasRule(rules, "~*"));  // MIGRATE reads and deletes every key it moves
  for (const char* needed : {"+cluster", "+migrate", "+info", "+ping", "+config|set", "+asking"})
    EXPECT_TRUE(HasRule(rules, needed)) << needed;
  for (const auto& r : rules) {
    EXPECT_EQ(r.find(password), std::string::npos) << "the password appears in clear: " << r;
    EXPECT_EQ(r.find("flush"), std::string::npos) << r;
    EXPECT_EQ(r.find("keys"), std::string::npos) << r;
    EXPECT_EQ(r.find("debug"), std::string::npos) << r;
    EXPECT_NE(r, "+@all");
  }
  auto hashed = std::find_if(rules.begin(), rules.end(),
                             [](const std::string& r) { return !r.empty() && r[0] == '#'; });
  ASSERT_NE(hashed, rules.end());
  EXPECT_EQ(hashed->size(), 65u);  // '#' and the SHA-256 in hex
}

TEST(AgentUser, DirectiveAndRuntimeCommandCarryTheSameRules) {
  Directive d = AgentUserDirective(AgentPassword("pw"));
  EXPECT_EQ(d.name, "user");
  ASSERT_FALSE(d.args.empty());
  EXPECT_EQ(d.args[0], kAgentUser);
  auto cmd = RuntimeCommand(d);
  ASSERT_EQ(cmd.size(), d.args.size() + 2);
  EXPECT_EQ(cmd[0], "ACL");
  EXPECT_EQ(cmd[1], "SETUSER");
  EXPECT_TRUE(std::equal(d.args.begin(), d.args.end(), cmd.begin() + 2));

  auto config = RuntimeCommand({"cluster-announce-hostname", {"redis-0.redis"}});
  EXPECT_EQ(config, (std::vector<std::string>{"CONFIG", "SET", "cluster-announce-hostname",
                                              "redis-0.redis"}));
}

}  // namespace
}  // namespace rc::agent
