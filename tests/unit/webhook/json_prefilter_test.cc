// BlankMembers: the chosen members become null, nothing else changes, and
// strings that look like JSON structure do not confuse it.
#include "webhook/json_prefilter.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace rc::webhook {
namespace {

using nlohmann::json;

const std::vector<std::vector<std::string_view>> kPaths = {
    {"request", "oldObject"}, {"request", "object", "metadata", "managedFields"}};

TEST(BlankMembers, BlanksTheChosenMembersOnly) {
  json doc = {
      {"request",
       {{"uid", "u"},
        {"oldObject", {{"big", json::array({1, 2, {{"x", "}]\"{"}}})}}},
        {"object",
         {{"metadata", {{"name", "n"}, {"managedFields", json::array({{{"f:x", {}}}})}}}}}}},
      {"oldObject", "kept: not under request"}};
  PrefilteredJson out = BlankMembers(doc.dump(), kPaths);
  json want = doc;
  want["request"]["oldObject"] = nullptr;
  want["request"]["object"]["metadata"]["managedFields"] = nullptr;
  EXPECT_EQ(json::parse(out.text), want);
  EXPECT_EQ(out.max_depth, 4);
  ASSERT_EQ(out.blanked.size(), 2u);
  EXPECT_EQ(json::parse(out.blanked[1]), doc["request"]["oldObject"]);  // "object" dumps first
  EXPECT_EQ(json::parse(out.blanked[0]), doc["request"]["object"]["metadata"]["managedFields"]);
}

TEST(BlankMembers, HandlesWhitespaceEscapesAndScalars) {
  std::string text =
      R"( { "request" : { "a\"b" : "x:{" , "oldObject" :  42 , "z":[{"oldObject":1}] } } )";
  json out = json::parse(BlankMembers(text, kPaths).text);
  EXPECT_EQ(out["request"]["oldObject"], nullptr);
  EXPECT_EQ(out["request"]["a\"b"], "x:{");
  EXPECT_EQ(out["request"]["z"][0]["oldObject"], 1) << "members inside arrays are not matched";
}

TEST(BlankMembers, EscapedQuotesAndBackslashRuns) {
  // Values ending in backslash runs of both parities, inside and before the blanked member.
  json doc = {{"request", {{"a", "x\\"}, {"b", "\\\""}, {"oldObject", {{"s", "q\"}\\"}}}, {"c", "\\\\"}}}};
  PrefilteredJson out = BlankMembers(doc.dump(), kPaths);
  json want = doc;
  want["request"]["oldObject"] = nullptr;
  EXPECT_EQ(json::parse(out.text), want);
  ASSERT_EQ(out.blanked.size(), 1u);
  EXPECT_EQ(json::parse(out.blanked[0]), doc["request"]["oldObject"]);
}

TEST(BlankMembers, LeavesMalformedInputForTheParser) {
  for (std::string text : {"{\"request\":{\"oldObject\":", "{\"request\":{\"oldObject\":[1,2",
                           "\"abc", "}}}", "{\"request\":{\"oldObject\":\"unterminated}}"}) {
    PrefilteredJson out = BlankMembers(text, kPaths);
    EXPECT_TRUE(json::parse(out.text, nullptr, false).is_discarded()) << text;
  }
}

TEST(BlankMembers, MeasuresDepthOutsideStrings) {
  EXPECT_EQ(BlankMembers("[[[\"[[[[\"]]]", kPaths).max_depth, 3);
  EXPECT_EQ(BlankMembers(std::string(300, '[') + std::string(300, ']'), kPaths).max_depth, 300);
  EXPECT_EQ(BlankMembers("42", kPaths).max_depth, 0);
}

}  // namespace
}  // namespace rc::webhook
