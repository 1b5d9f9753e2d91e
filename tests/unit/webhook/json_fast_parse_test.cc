// ParseJsonSkipping: whenever it answers, its answer is nlohmann::json::parse's
// with the skipped members removed (same values and number types); it
// declines invalid JSON and what it does not handle. Checked on hand-written
// cases and differentially on the golden inputs, the benchmark review and
// thousands of seeded random corruptions of them.
#include "webhook/json_fast_parse.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

namespace rc::webhook {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::vector<std::string_view>> kSkip = {
    {"request", "oldObject"},
    {"request", "object", "metadata", "managedFields"},
    {"request", "object", "metadata", "annotations",
     "kubectl.kubernetes.io/last-applied-configuration"}};

// nlohmann's DOM with the members at kSkip erased.
json Reference(std::string_view text) {
  json doc = json::parse(text);
  for (const auto& path : kSkip) {
    json* node = &doc;
    for (size_t i = 0; node != nullptr && i + 1 < path.size(); ++i) {
      auto it = node->is_object() ? node->find(path[i]) : node->end();
      node = it == node->end() ? nullptr : &*it;
    }
    if (node != nullptr && node->is_object()) node->erase(std::string(path.back()));
  }
  return doc;
}

// operator== calls 1 (unsigned) and 1 (signed) equal; this does not.
bool Identical(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
      if (ia.key() != ib.key() || !Identical(*ia, *ib)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!Identical(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

std::optional<json> Fast(std::string_view text, int max_depth = 100) {
  return ParseJsonSkipping(text, kSkip, max_depth);
}

void ExpectSameAsReference(const std::string& text) {
  std::optional<json> fast = Fast(text);
  ASSERT_TRUE(fast.has_value()) << text;
  EXPECT_TRUE(Identical(*fast, Reference(text))) << text << "\nfast: " << fast->dump();
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The golden inputs and the benchmark review, by file name.
std::map<std::string, std::string> Corpus() {
  std::map<std::string, std::string> docs;
  for (const auto& entry : fs::directory_iterator(RC_WEBHOOK_TESTDATA)) {
    if (entry.path().string().ends_with(".in.json")) {
      docs[entry.path().filename().string()] = ReadFile(entry.path());
    }
  }
  docs["bench review.json"] = ReadFile(RC_WEBHOOK_BENCH_REVIEW);
  return docs;
}

TEST(ParseJsonSkipping, IntegersKeepNlohmannsTypes) {
  for (const char* text : {"0", "-0", "7", "-7", "123456789012345678", "-123456789012345678",
                           "[0,-0,1,-1]", "{\"a\":-5,\"b\":5}"}) {
    ExpectSameAsReference(text);
  }
  EXPECT_TRUE(Fast("5")->is_number_unsigned());
  EXPECT_TRUE(Fast("-0")->is_number_integer());
}

TEST(ParseJsonSkipping, DeclinesWhatItDoesNotHandle) {
  for (const char* text : {"1.5", "1e3", "2E-1", "1234567890123456789", "\"\\u0041\"",
                           "\"caf\xc3\xa9\"", "{\"k\\u0041\":1}", "\xef\xbb\xbf{}"}) {
    EXPECT_FALSE(Fast(text).has_value()) << text;
  }
}

TEST(ParseJsonSkipping, DeclinesInvalidJson) {
  for (const char* text : {"",
                           " ",
                           "{",
                           "}",
                           "{\"a\"}",
                           "{\"a\":}",
                           "{\"a\":1,}",
                           "[1,]",
                           "[1 2]",
                           "01",
                           "-",
                           "- 1",
                           "+1",
                           "tru",
                           "nul",
                           "truex",
                           "{} x",
                           "{}{}",
                           "\"a",
                           "\"\t\"",
                           "\"\\x\"",
                           "{\"request\":{\"oldObject\":[1,}}",
                           "{\"request\":{\"oldObject\":01}}",
                           "{\"request\":{\"oldObject\":\"\\q\"}}",
                           "{\"request\":{\"oldObject\":{\"a\" 1}}}",
                           "'a'",
                           "[1]]",
                           "{a:1}"}) {
    EXPECT_FALSE(Fast(text).has_value()) << text;
  }
}

TEST(ParseJsonSkipping, EscapesWhitespaceAndDuplicateKeys) {
  ExpectSameAsReference(R"("a\"b\\c\/d\b\f\n\r\t")");
  ExpectSameAsReference(" \t\r\n{ \"a\" :\n[ 1 , true , false , null , \"x\" , { } , [ ] ] }\n ");
  ExpectSameAsReference(R"({"a":1,"b":2,"a":{"c":[3]}})");
  ExpectSameAsReference(R"({"k:{\"name\":\"redis\"}":{"a\/b\n":1},"k:{\"name\":\"x\"}":2})");
  ExpectSameAsReference(R"({"request":{"object":{"x":1},"object":{"y":2}}})");
}

TEST(ParseJsonSkipping, LeavesOutTheSkippedMembersOnly) {
  const std::string text = R"({"request":{"uid":"u","oldObject":{"big":[1,{"x":"}]"}]},
      "object":{"metadata":{"name":"n","managedFields":[{"f:x":{}}],
        "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"a\":1}","keep":"v"}}},
      "list":[{"oldObject":1}]},"oldObject":"kept: not under request"})";
  std::optional<json> fast = Fast(text);
  ASSERT_TRUE(fast.has_value());
  EXPECT_FALSE(fast->at("request").contains("oldObject"));
  EXPECT_FALSE(fast->at("request")["object"]["metadata"].contains("managedFields"));
  EXPECT_EQ(fast->at("request")["object"]["metadata"]["annotations"], json({{"keep", "v"}}));
  EXPECT_EQ(fast->at("request")["list"][0]["oldObject"], 1) << "members in arrays are kept";
  EXPECT_EQ(fast->at("oldObject"), "kept: not under request");
  EXPECT_TRUE(Identical(*fast, Reference(text)));

  // Matched on the decoded key, as nlohmann (and the general path) sees it.
  fast = Fast(R"({"request":{"object":{"metadata":{"annotations":{
      "kubectl.kubernetes.io\/last-applied-configuration":"{}","keep":"v"}}}}})");
  ASSERT_TRUE(fast.has_value());
  EXPECT_EQ(fast->at("request")["object"]["metadata"]["annotations"], json({{"keep", "v"}}));
}

TEST(ParseJsonSkipping, NestingLimit) {
  std::string ok = std::string(100, '[') + std::string(100, ']');
  std::string deep = std::string(101, '[') + std::string(101, ']');
  EXPECT_TRUE(Fast(ok).has_value());
  EXPECT_FALSE(Fast(deep).has_value());
  std::string deep_skipped = R"({"request":{"oldObject":)" + deep + "}}";
  EXPECT_FALSE(Fast(deep_skipped).has_value()) << "declined, for the general path to judge";
}

TEST(ParseJsonSkipping, MatchesNlohmannOnTheCorpus) {
  for (const auto& [name, doc] : Corpus()) {
    SCOPED_TRACE(name);
    ExpectSameAsReference(doc);
  }
}

// Seeded corruptions of every corpus document: whatever the fast parser
// accepts, nlohmann accepts too and builds the same DOM.
TEST(ParseJsonSkipping, MatchesNlohmannOnCorruptedDocuments) {
  const std::string alphabet = "{}[]\":,0123456789-.eE+truefalsn \\/\tx\x80\x01";
  std::mt19937 rng(20261125);
  int accepted = 0, declined = 0;
  for (const auto& [name, original] : Corpus()) {
    for (int round = 0; round < 400; ++round) {
      std::string doc = original;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits && !doc.empty(); ++e) {
        const size_t at = rng() % doc.size();
        const char c = alphabet[rng() % alphabet.size()];
        switch (rng() % 3) {
          case 0:
            doc[at] = c;
            break;
          case 1:
            doc.insert(doc.begin() + static_cast<long>(at), c);
            break;
          default:
            doc.erase(at, 1);
        }
      }
      std::optional<json> fast = Fast(doc);
      if (!fast) {
        ++declined;
        continue;
      }
      ++accepted;
      ASSERT_TRUE(json::accept(doc)) << "accepted invalid JSON:\n" << doc;
      ASSERT_TRUE(Identical(*fast, Reference(doc))) << doc;
    }
  }
  // Both outcomes must occur, or the test checks nothing.
  EXPECT_GT(accepted, 100);
  EXPECT_GT(declined, 100);
}

}  // namespace
}  // namespace rc::webhook
