// A three-master FakeRedisCluster (10.0.0.1-3:6379, slots split evenly) for
// engine unit tests, plus helpers to open slots by hand.
#pragma once

#include <string>

#include "agent/engine/cluster_view.h"
#include "common/slot_hash.h"
#include "common/slot_set.h"
#include "tests/support/fake_redis.h"

namespace rc::engine::testing {

inline void BuildThreeMasters(rc::testing::FakeRedisCluster& cluster, int extra_empty = 0) {
  for (int i = 0; i < 3 + extra_empty; ++i) cluster.AddNode("10.0.0." + std::to_string(i + 1));
  auto ranges = SplitEvenly(3);
  for (int i = 0; i < 3; ++i)
    cluster.AssignSlots(i, ranges[static_cast<size_t>(i)].first,
                        ranges[static_cast<size_t>(i)].last);
}

// Index of the node owning `slot` in node 0's view.
inline int OwnerIndex(rc::testing::FakeRedisCluster& cluster, int slot) {
  for (int i = 0; i < cluster.size(); ++i)
    if (cluster.node(0).owners[static_cast<size_t>(slot)] == cluster.node(i).id) return i;
  return -1;
}

// `count` keys "{tag}<i>" all in KeySlot(tag).
inline std::vector<std::string> KeysInSlot(const std::string& tag, int count) {
  std::vector<std::string> keys;
  for (int i = 0; i < count; ++i) keys.push_back("{" + tag + "}" + std::to_string(i));
  return keys;
}

}  // namespace rc::engine::testing
