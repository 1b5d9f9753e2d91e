// Malformed CLUSTER NODES input: every rejection says which line and what was wrong.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "common/topology.h"

namespace rc {
namespace {

constexpr char kId[] = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca";
constexpr char kPeer[] = "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1";

// A valid master line with one field replaced.
std::string Line(const std::string& id = kId, const std::string& addr = "127.0.0.1:6379@16379",
                 const std::string& flags = "myself,master", const std::string& master = "-",
                 const std::string& ping = "0", const std::string& pong = "0",
                 const std::string& epoch = "1", const std::string& link = "connected",
                 const std::string& slots = "0-5460") {
  return id + " " + addr + " " + flags + " " + master + " " + ping + " " + pong + " " + epoch +
         " " + link + (slots.empty() ? "" : " " + slots);
}

struct Case {
  const char* name;
  std::string line;
  const char* expected;  // must appear in the error message
};

// Test names and ctest show the case name, not the struct's bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class MalformedLine : public ::testing::TestWithParam<Case> {};

TEST_P(MalformedLine, IsRejectedWithAMessageNamingTheProblem) {
  const Case& c = GetParam();
  auto node = ParseClusterNodesLine(c.line);
  ASSERT_FALSE(node.ok()) << "accepted: " << c.line;
  EXPECT_EQ(node.status().code(), ErrorCode::kInvalidArgument);
  const std::string& msg = node.status().message();
  EXPECT_NE(msg.find(c.expected), std::string::npos) << "message: " << msg;
  // The line itself is quoted so an operator can find it.
  EXPECT_NE(msg.find(c.line.substr(0, 40)), std::string::npos) << "message: " << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Topology, MalformedLine,
    ::testing::Values(
        Case{"TooFewFields", kId + std::string(" 127.0.0.1:6379@16379 master -"),
             "expected at least 8 fields, got 4"},
        Case{"EmptyLine", " ", "got 0"},
        Case{"ShortId", Line("e7d1eecce10fd6bb5eb35b9f99a514335d9ba9c"), "node id is not 40 hex"},
        Case{"UppercaseId", Line("E7D1EECCE10FD6BB5EB35B9F99A514335D9BA9CA"), "node id"},
        Case{"NoPort", Line(kId, "127.0.0.1"), "has no ':port'"},
        Case{"PortNotANumber", Line(kId, "127.0.0.1:redis@16379"), "bad port in address"},
        Case{"PortTooBig", Line(kId, "127.0.0.1:65536@16379"),
             "bad port in address '127.0.0.1:65536"},
        Case{"NegativePort", Line(kId, "127.0.0.1:-1@16379"), "bad port"},
        Case{"BusPortNotANumber", Line(kId, "127.0.0.1:6379@bus"), "bad cluster bus port"},
        Case{"BusPortTooBig", Line(kId, "127.0.0.1:6379@99999"), "bad cluster bus port"},
        Case{"AuxFieldWithoutValue", Line(kId, "127.0.0.1:6379@16379,host,junk"),
             "'junk' after the hostname is not key=value"},
        Case{"EmptyFlag", Line(kId, "127.0.0.1:6379@16379", "myself,,master"), "empty flag"},
        Case{"BadMasterId", Line(kId, "127.0.0.1:6379@16379", "slave", "nobody"),
             "master id is neither '-' nor a node id"},
        Case{"BadPingSent", Line(kId, "127.0.0.1:6379@16379", "master", "-", "soon"),
             "bad ping-sent"},
        Case{"BadPongRecv", Line(kId, "127.0.0.1:6379@16379", "master", "-", "0", "1.5"),
             "bad pong-recv"},
        Case{"NegativeEpoch", Line(kId, "127.0.0.1:6379@16379", "master", "-", "0", "0", "-1"),
             "bad config-epoch"},
        Case{"BadLinkState", Line(kId, "127.0.0.1:6379@16379", "master", "-", "0", "0", "1", "up"),
             "link state is neither connected nor disconnected"},
        Case{"SlotOutOfRange",
             Line(kId, "127.0.0.1:6379@16379", "master", "-", "0", "0", "1", "connected", "16384"),
             "bad slot '16384'"},
        Case{"ReversedRange",
             Line(kId, "127.0.0.1:6379@16379", "master", "-", "0", "0", "1", "connected", "10-5"),
             "bad slot range '10-5'"},
        Case{"SlotNotANumber",
             Line(kId, "127.0.0.1:6379@16379", "master", "-", "0", "0", "1", "connected", "abc"),
             "bad slot 'abc'"},
        Case{"OpenSlotWithoutArrow",
             Line(kId, "127.0.0.1:6379@16379", "master", "-", "0", "0", "1", "connected", "[100]"),
             "bad open-slot entry '[100]'"},
        Case{"OpenSlotShortPeer",
             Line(kId, "127.0.0.1:6379@16379", "master", "-", "0", "0", "1", "connected",
                  "[100->-abc]"),
             "bad open-slot entry '[100->-abc]'"},
        Case{"OpenSlotOutOfRange",
             Line(kId, "127.0.0.1:6379@16379", "master", "-", "0", "0", "1", "connected",
                  "[16384-<-" + std::string(kPeer) + "]"),
             "bad open-slot entry '[16384-<-"},
        Case{"OpenSlotUnclosed",
             Line(kId, "127.0.0.1:6379@16379", "master", "-", "0", "0", "1", "connected",
                  "[100->-" + std::string(kPeer)),
             "bad slot"}),
    [](const ::testing::TestParamInfo<Case>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(Topology, ValidLineBuilderIsAccepted) {
  // Guards the table above: the unmodified line parses.
  auto node = ParseClusterNodesLine(Line());
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  EXPECT_EQ(node->slots.ToString(), "0-5460");
}

TEST(Topology, ErrorNamesTheLineNumber) {
  std::string text =
      Line() + "\n\n" +
      Line(kPeer, "127.0.0.1:6380@16380", "master", "-", "0", "0", "2", "broken", "");
  auto topo = Topology::ParseClusterNodes(text);
  ASSERT_FALSE(topo.ok());
  EXPECT_EQ(topo.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(topo.status().message().find("line 3"), std::string::npos) << topo.status().message();
  EXPECT_NE(topo.status().message().find("link state"), std::string::npos);
}

TEST(Topology, DuplicateNodeIdIsRejected) {
  auto topo =
      Topology::ParseClusterNodes(Line() + "\n" + Line(kId, "127.0.0.1:6380@16380", "master"));
  ASSERT_FALSE(topo.ok());
  EXPECT_NE(topo.status().message().find("line 2"), std::string::npos) << topo.status().message();
  EXPECT_NE(topo.status().message().find(std::string(kId) + " is listed twice"), std::string::npos)
      << topo.status().message();
}

TEST(Topology, CrLfAndBlankLinesAreAccepted) {
  auto topo = Topology::ParseClusterNodes(
      "\r\n" + Line() + "\r\n  \n" +
      Line(kPeer, "127.0.0.1:6380@16380", "master", "-", "0", "0", "2", "connected", "5461-16383") +
      "\r\n");
  ASSERT_TRUE(topo.ok()) << topo.status().ToString();
  EXPECT_EQ(topo->nodes().size(), 2u);
  EXPECT_EQ(topo->CoveredSlots().Count(), kSlotCount);
}

TEST(Topology, UnknownFlagsFromNewerServersAreIgnored) {
  auto node = ParseClusterNodesLine(Line(kId, "127.0.0.1:6379@16379", "master,someday-flag"));
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  EXPECT_TRUE(node->flags.master);
}

TEST(Topology, EmptyTextIsAnEmptyTopology) {
  auto topo = Topology::ParseClusterNodes("");
  ASSERT_TRUE(topo.ok());
  EXPECT_TRUE(topo->nodes().empty());
  EXPECT_EQ(topo->Myself(), nullptr);
}

}  // namespace
}  // namespace rc
