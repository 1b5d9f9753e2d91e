// ClusterView: the whole cluster as observed from one seed address. Every
// node the seed knows is connected and asked for its own CLUSTER NODES,
// CLUSTER INFO and DBSIZE, so the view can tell whether the nodes agree on
// who owns each slot, which slots are open (MIGRATING / IMPORTING), which are
// uncovered and which nodes cannot be reached.
//
// Observation talks to the network (ObserveCluster); everything else here is
// pure and works on values, so the planner and tests can build views by hand.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/redis_client.h"
#include "common/slot_set.h"
#include "common/status.h"
#include "common/topology.h"

namespace rc::engine {

// What one node says about the cluster (and about itself).
struct NodeView {
  std::string address;            // "ip:port" we connected to (or tried to)
  std::string id;                 // its own node id (its "myself" line); "" when unreachable
  bool reachable = false;         // connected and answered CLUSTER NODES
  std::string error;              // why not reachable / what failed
  Topology topology;              // its CLUSTER NODES
  bool cluster_state_ok = false;  // CLUSTER INFO cluster_state:ok
  long long keys = -1;            // DBSIZE; -1 when unknown

  const ClusterNode* Myself() const { return topology.Myself(); }
};

// One slot some node has open.
struct OpenSlot {
  int slot = 0;
  std::map<std::string, std::string> migrating;  // node id -> destination id
  std::map<std::string, std::string> importing;  // node id -> source id
};

struct ClusterView {
  std::string seed;             // as given
  std::vector<NodeView> nodes;  // every known node, seed first, then by address
  // The reference topology: the seed's CLUSTER NODES, with each reachable
  // node's own line (flags, slots, open slots) taken from that node itself.
  Topology topology;
  std::vector<std::string> unreachable;    // addresses of nodes we could not read
  std::vector<std::string> failed_nodes;   // ids flagged fail / fail? by the seed
  bool owners_agree = true;                // every reachable node maps every slot alike
  std::vector<std::string> disagreements;  // "slot 42: 127.0.0.1:7001 says A, ... says B"
  std::vector<OpenSlot> open_slots;        // ordered by slot
  SlotSet uncovered;                       // slots nobody owns (per the reference)
  // Keys per slot, per owner, when ObserveOptions::count_keys_per_slot; else empty.
  std::vector<long long> slot_keys;

  // Reachable node view by id, or nullptr.
  const NodeView* FindNode(const std::string& id) const;
  // Masters of the reference topology (including failed ones), ordered by id.
  std::vector<const ClusterNode*> Masters() const;
  // Failed or unreachable masters that own slots.
  std::vector<std::string> UnreachableMastersWithSlots() const;
  // True when nothing stops a migration: owners agree, no open slot, all slots
  // covered, no master with slots unreachable or failed.
  bool Consistent() const { return Problems().empty(); }
  // One human-readable line per problem (empty when Consistent()).
  std::vector<std::string> Problems() const;
  // Problems() on one line, joined with "; " (empty when Consistent()).
  std::string ProblemsText() const;
};

struct ObserveOptions {
  bool count_keys_per_slot = false;  // CLUSTER COUNTKEYSINSLOT for every owned slot (pipelined)
  bool read_dbsize = true;           // DBSIZE per node
};

// Connects the seed, then every node it knows (through `connector`, which
// carries timeouts and AUTH), and builds the view. Fails only when the seed
// cannot be read; other unreachable nodes are reported in the view.
Result<ClusterView> ObserveCluster(RedisConnector& connector, const std::string& seed,
                                   const ObserveOptions& options = {});

// Pure: builds a ClusterView from per-node views (the seed's view first).
// Exposed for tests; ObserveCluster calls it.
ClusterView BuildClusterView(const std::string& seed, std::vector<NodeView> nodes);

// Resolves "NODE_ID", a unique id prefix of 8+ chars, or "HOST:PORT" to a node id.
Result<std::string> ResolveNode(const ClusterView& view, const std::string& node);

}  // namespace rc::engine
