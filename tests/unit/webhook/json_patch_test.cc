// DiffToPatch: applying its patch (RFC 6902, nlohmann::json::patch) to the
// source gives the target, for hand-picked and generated pairs.
#include "webhook/json_patch.h"

#include <gtest/gtest.h>

#include <random>

namespace rc::webhook {
namespace {

using nlohmann::json;

void ExpectRoundTrip(const json& source, const json& target) {
  json patch = DiffToPatch(source, json(target));
  EXPECT_EQ(source.patch(patch), target)
      << "source " << source << "\ntarget " << target << "\npatch " << patch;
  EXPECT_EQ(patch, json::diff(source, target)) << "differs from nlohmann::json::diff";
}

TEST(DiffToPatch, HandPickedPairs) {
  ExpectRoundTrip(json::object(), json::object());
  ExpectRoundTrip({{"a", 1}}, {{"a", 2}});
  ExpectRoundTrip({{"a", 1}}, {{"b", 1}});
  ExpectRoundTrip({{"a/b~c", 1}}, {{"a/b~c", 2}, {"x~/", json::array()}});
  ExpectRoundTrip(json::array({1, 2, 3}), json::array({1}));
  ExpectRoundTrip(json::array({1}), json::array({1, 2, 3}));
  ExpectRoundTrip({{"a", json::array({1, 2})}}, {{"a", {{"b", 1}}}});
  ExpectRoundTrip({{"a", nullptr}}, {{"a", false}});
  ExpectRoundTrip(1, "1");
}

json RandomValue(std::mt19937& rng, int depth) {
  int kind = std::uniform_int_distribution<int>(0, depth > 0 ? 5 : 3)(rng);
  switch (kind) {
    case 0:
      return std::uniform_int_distribution<int>(0, 3)(rng);
    case 1:
      return std::string(1, static_cast<char>('a' + rng() % 3));
    case 2:
      return rng() % 2 == 0;
    case 3:
      return nullptr;
    case 4: {
      json array = json::array();
      for (int i = 0, n = static_cast<int>(rng() % 4); i < n; ++i)
        array.push_back(RandomValue(rng, depth - 1));
      return array;
    }
    default: {
      json object = json::object();
      for (int i = 0, n = static_cast<int>(rng() % 4); i < n; ++i) {
        object[std::string(1, static_cast<char>('k' + rng() % 4)) + (rng() % 5 == 0 ? "/~" : "")] =
            RandomValue(rng, depth - 1);
      }
      return object;
    }
  }
}

// Changes a few places of `value` at random.
void Perturb(json& value, std::mt19937& rng, int depth) {
  if (rng() % 4 == 0 || depth == 0 || !value.is_structured() || value.empty()) {
    if (rng() % 3 == 0) value = RandomValue(rng, 2);
    return;
  }
  if (value.is_object()) {
    for (auto& [key, item] : value.items()) Perturb(item, rng, depth - 1);
    if (rng() % 3 == 0) value["new"] = RandomValue(rng, 2);
    if (rng() % 3 == 0) value.erase(value.begin());
  } else {
    for (auto& item : value) Perturb(item, rng, depth - 1);
    if (rng() % 3 == 0) value.push_back(RandomValue(rng, 2));
    if (rng() % 3 == 0) value.erase(value.begin());
  }
}

TEST(DiffToPatch, GeneratedPairsRoundTrip) {
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    json source = RandomValue(rng, 4);
    json target = source;
    Perturb(target, rng, 4);
    ExpectRoundTrip(source, target);
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace rc::webhook
