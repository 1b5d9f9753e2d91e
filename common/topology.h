// The cluster as one node sees it: parsed from the text of CLUSTER NODES
// (redis 5.0 .. 7.x and Valkey formats). Pure value types; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/slot_set.h"
#include "common/status.h"

namespace rc {

struct NodeFlags {
  bool myself = false;
  bool master = false;
  bool replica = false;  // "slave"
  bool pfail = false;    // "fail?"
  bool fail = false;
  bool handshake = false;
  bool noaddr = false;
  bool nofailover = false;
  bool noflags = false;
  std::string ToString() const;  // comma list as redis prints it
};

struct ClusterNode {
  std::string id;  // 40 hex chars
  std::string ip;  // may be empty (noaddr, or ":0@0")
  int port = 0;
  int bus_port = 0;
  std::string hostname;  // redis 7: the part after ',' in the address ("" when unset)
  NodeFlags flags;
  std::string master_id;  // empty when "-"
  int64_t ping_sent = 0;
  int64_t pong_received = 0;
  uint64_t config_epoch = 0;
  bool link_connected = false;
  SlotSet slots;
  std::map<int, std::string> migrating;  // slot -> destination node id  ([slot->-id])
  std::map<int, std::string> importing;  // slot -> source node id       ([slot-<-id])

  std::string Address() const { return ip + ":" + std::to_string(port); }
  bool IsMaster() const { return flags.master; }
  bool IsFailed() const { return flags.fail || flags.pfail; }
};

// Parses one line of CLUSTER NODES. Errors name the line and what was wrong.
Result<ClusterNode> ParseClusterNodesLine(std::string_view line);

class Topology {
 public:
  // Parses the whole CLUSTER NODES reply. Blank lines are skipped. Errors name
  // the line number, the line and what was wrong; a node id listed twice is an error.
  static Result<Topology> ParseClusterNodes(std::string_view text);

  const std::vector<ClusterNode>& nodes() const { return nodes_; }
  std::vector<ClusterNode>& mutable_nodes() { return nodes_; }
  const ClusterNode* Myself() const;
  const ClusterNode* FindById(std::string_view id) const;
  const ClusterNode* FindByAddress(std::string_view ip, int port) const;
  std::vector<const ClusterNode*> Masters() const;
  std::vector<const ClusterNode*> ReplicasOf(std::string_view master_id) const;

  // Owner id of each slot per this view ("" where nobody claims it).
  std::vector<std::string> SlotOwners() const;
  SlotSet CoveredSlots() const;
  bool HasOpenSlots() const;

 private:
  std::vector<ClusterNode> nodes_;
};

}  // namespace rc
