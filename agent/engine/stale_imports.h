// Why a master says cluster_state:fail, and the one such case the engine
// repairs itself: a node importing a slot from a master that has died.
//
// Redis never lets gossip rebind a slot a node is importing
// (clusterUpdateSlotsConfigWith skips importing slots: they "should be
// modified only manually"). So when the source of a move dies mid-move and
// its replica takes over, the target keeps mapping the slot to the dead
// master, counts it as uncovered and reports cluster_state:fail
// (cluster-require-full-coverage) for good. Until the slot is changed by
// hand it answers every command with a key CLUSTERDOWN, MIGRATE of that
// slot's own keys included, so the open slot can never be closed by moving
// keys alone.
//
// Pure: works on a ClusterView (no I/O); the open-slot fixer acts on it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/engine/cluster_view.h"
#include "common/slot_set.h"
#include "common/topology.h"

namespace rc::engine {

// The slots one node counts as uncovered in its own view (what makes a node
// with cluster-require-full-coverage say cluster_state:fail).
struct DownSlots {
  SlotSet unassigned;                           // nobody owns them
  std::map<std::string, SlotSet> failed_owner;  // owner id (flagged fail) -> its slots

  bool Empty() const { return unassigned.Empty() && failed_owner.empty(); }
  SlotSet All() const;
  // "slots 5917,5925 owned by failed node 3a6e7706" / "12 slot(s) unassigned"
  // / "no uncovered slot" (then the cause is elsewhere, e.g. a minority partition).
  std::string Describe() const;
};

DownSlots DownSlotsOf(const Topology& own_view);

// A slot `node_id` imports from `dead_source`, a master that is unreachable
// and flagged failed, while `owner`, another reachable master that is not
// failed, is the only one claiming the slot in its own view (the replica that
// took over). `node_id` does not claim the slot and still maps it to someone
// other than `owner`, so gossip will never fix its view.
struct StaleImport {
  std::string node_id;
  std::string address;  // of node_id
  int slot = 0;
  std::string dead_source;
  std::string owner;
  std::string owner_address;
};

// Every stale import of the view, ordered by node then slot.
std::vector<StaleImport> FindStaleImports(const ClusterView& view);

// True when `node` (a reachable master saying cluster_state:fail) is down only
// because of stale imports: it has uncovered slots and each one is a stale
// import of it, so FixOpenSlots can bring it back without waiting.
bool DownOnlyByStaleImports(const NodeView& node, const std::vector<StaleImport>& stale);

}  // namespace rc::engine
