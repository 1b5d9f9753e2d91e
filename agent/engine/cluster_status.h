// ClusterStatus: what `status` shows, derived purely from a ClusterView:
// a one-line verdict, masters with slot, range and key counts, replicas, open
// slots, failed and unreachable nodes, and how balanced slots and keys are.
#pragma once

#include <string>
#include <vector>

#include "agent/engine/cluster_view.h"

namespace rc::engine {

struct MasterStatus {
  std::string id;
  std::string address;
  int slots = 0;
  std::string slot_ranges;  // "0-4095,8000"
  int ranges = 0;           // contiguous slot ranges (2 above)
  long long keys = -1;      // DBSIZE, -1 unknown
  int replicas = 0;
  bool failed = false;
  bool reachable = false;
};

struct ReplicaStatus {
  std::string id;
  std::string address;
  std::string master_id;
  bool failed = false;
  bool reachable = false;
};

struct ClusterStatus {
  bool healthy = false;  // consistent and balanced
  bool consistent = false;
  bool balanced = false;              // masters owning slots within one slot of an even share
  std::string verdict;                // "OK: ..." or "PROBLEM: ..." / "UNBALANCED: ..."
  std::vector<MasterStatus> masters;  // by address
  std::vector<ReplicaStatus> replicas;
  std::vector<OpenSlot> open_slots;
  std::vector<std::string> failed_nodes;  // "id address"
  std::vector<std::string> unreachable;   // addresses
  std::vector<std::string> problems;
  int empty_masters = 0;
  long long total_keys = 0;
  // Largest distance of a master's keys from an even share of total_keys, in
  // percent of that share (masters with slots); -1 when some count is unknown.
  double key_deviation_percent = -1;
};

ClusterStatus SummarizeCluster(const ClusterView& view);
std::string RenderStatusText(const ClusterStatus& status);
std::string RenderStatusJson(const ClusterStatus& status);

}  // namespace rc::engine
