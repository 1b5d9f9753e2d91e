// Fuzzes the CLUSTER NODES parser: any input either parses into a topology whose
// invariants hold, or is rejected with a non-empty InvalidArgument message.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/topology.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

bool IsNodeId(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

void CheckNode(const rc::ClusterNode& n) {
  Check(IsNodeId(n.id), "node id is 40 lowercase hex characters");
  Check(n.master_id.empty() || IsNodeId(n.master_id), "master id is empty or a node id");
  Check(n.port >= 0 && n.port <= 65535, "port in range");
  Check(n.bus_port >= 0 && n.bus_port <= 65535 + 10000, "bus port in range");
  Check(n.slots.Count() <= rc::kSlotCount, "slot count bounded");
  for (const auto& [slot, peer] : n.migrating)
    Check(slot >= 0 && slot < rc::kSlotCount && IsNodeId(peer), "migrating entry valid");
  for (const auto& [slot, peer] : n.importing)
    Check(slot >= 0 && slot < rc::kSlotCount && IsNodeId(peer), "importing entry valid");
  // Slot sets print back to something that parses to the same set.
  auto again = rc::SlotSet::Parse(n.slots.ToString());
  Check(again.ok() && *again == n.slots, "slot set round-trips through ToString");
  (void)n.flags.ToString();
  (void)n.Address();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto topo = rc::Topology::ParseClusterNodes(text);
  if (!topo.ok()) {
    Check(topo.status().code() == rc::ErrorCode::kInvalidArgument, "errors are InvalidArgument");
    Check(!topo.status().message().empty(), "errors have a message");
    return 0;
  }
  for (const auto& n : topo->nodes()) {
    CheckNode(n);
    Check(topo->FindById(n.id) == &n, "ids are unique");
    (void)topo->FindByAddress(n.ip, n.port);
    (void)topo->ReplicasOf(n.id);
  }
  auto owners = topo->SlotOwners();
  Check(owners.size() == static_cast<size_t>(rc::kSlotCount), "one owner entry per slot");
  Check(topo->CoveredSlots().Count() <= rc::kSlotCount, "covered slots bounded");
  (void)topo->Masters();
  (void)topo->Myself();
  (void)topo->HasOpenSlots();
  // A single line parses the same way through the line-level entry point.
  if (topo->nodes().size() == 1 && text.find('\n') == std::string_view::npos) {
    auto line = rc::ParseClusterNodesLine(text);
    Check(line.ok() && line->id == topo->nodes()[0].id, "line and text parsers agree");
  }
  return 0;
}
