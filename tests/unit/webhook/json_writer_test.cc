// AppendCompactJson writes exactly what nlohmann's dump(-1, ' ', false,
// replace) writes: on hand-picked values (escapes, control characters, UTF-8,
// invalid UTF-8, floats, extreme integers) and on every golden input and
// output document.
#include "webhook/json_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace rc::webhook {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string Written(const json& value) {
  std::string out = "prefix:";  // appends, never overwrites
  AppendCompactJson(value, out);
  EXPECT_EQ(out.substr(0, 7), "prefix:");
  return out.substr(7);
}

TEST(AppendCompactJson, ScalarsAsNlohmann) {
  const std::vector<json> values = {nullptr,
                                    true,
                                    false,
                                    0,
                                    -0,
                                    1,
                                    -1,
                                    std::numeric_limits<int64_t>::min(),
                                    std::numeric_limits<int64_t>::max(),
                                    std::numeric_limits<uint64_t>::max(),
                                    0.5,
                                    -1e300,
                                    3.0,
                                    1e-7,
                                    "",
                                    "plain",
                                    "quote\" backslash\\ slash/",
                                    "\b\f\n\r\t",
                                    std::string("nul\0x", 5),
                                    "\x01\x1f\x7f",
                                    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                                    "bad \xff\xfe utf8 \xc3",
                                    json::binary({1, 2, 3})};
  for (const json& value : values) EXPECT_EQ(Written(value), Dump(value)) << Dump(value);
}

TEST(AppendCompactJson, ContainersAsNlohmann) {
  json value = {{"b", json::array({1, "x\n", nullptr, json::object(), json::array()})},
                {"a\"key\x01", {{"z", 1.25}, {"y", -3}}},
                {"", "empty key"},
                {"k\xc3\xa9", false}};
  EXPECT_EQ(Written(value), Dump(value));
  EXPECT_EQ(Written(json::array()), "[]");
  EXPECT_EQ(Written(json::object()), "{}");
}

TEST(AppendCompactJson, GoldenDocumentsAsNlohmann) {
  int documents = 0;
  for (const auto& entry : fs::directory_iterator(RC_WEBHOOK_TESTDATA)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream buffer;
    buffer << in.rdbuf();
    json doc = json::parse(buffer.str());
    EXPECT_EQ(Written(doc), Dump(doc)) << entry.path();
    ++documents;
  }
  EXPECT_GT(documents, 10);
}

}  // namespace
}  // namespace rc::webhook
