#include "agent/engine/cluster_view.h"

#include <algorithm>
#include <set>

#include "common/slot_hash.h"

namespace rc::engine {
namespace {

std::string Short(const std::string& id) { return id.substr(0, 8); }

// Reads CLUSTER NODES, CLUSTER INFO and DBSIZE in one round trip.
NodeView ReadNode(RedisClient& client, const std::string& address, const ObserveOptions& options) {
  NodeView view;
  view.address = address;
  std::vector<RedisCommand> cmds = {{"CLUSTER", "NODES"}, {"CLUSTER", "INFO"}};
  if (options.read_dbsize) cmds.push_back({"DBSIZE"});
  auto replies = client.Pipeline(cmds);
  if (!replies.ok()) {
    view.error = replies.status().ToString();
    return view;
  }
  const auto& nodes = (*replies)[0];
  if (nodes.IsError()) {
    view.error = "CLUSTER NODES failed: " + nodes.str;
    return view;
  }
  auto topo = Topology::ParseClusterNodes(nodes.str);
  if (!topo.ok()) {
    view.error = topo.status().ToString();
    return view;
  }
  view.topology = std::move(topo).value();
  const ClusterNode* me = view.topology.Myself();
  if (!me) {
    view.error = "CLUSTER NODES has no 'myself' line";
    return view;
  }
  view.id = me->id;
  view.reachable = true;
  view.cluster_state_ok = (*replies)[1].str.find("cluster_state:ok") != std::string::npos;
  if (options.read_dbsize && (*replies)[2].type == RedisReply::Type::kInteger)
    view.keys = (*replies)[2].integer;
  return view;
}

// COUNTKEYSINSLOT for every slot the node claims, one pipeline.
void CountKeys(RedisClient& client, const NodeView& node, std::vector<long long>* slot_keys) {
  const ClusterNode* me = node.Myself();
  if (!me || me->slots.Empty()) return;
  std::vector<int> slots = me->slots.Slots();
  std::vector<RedisCommand> cmds;
  cmds.reserve(slots.size());
  for (int s : slots) cmds.push_back({"CLUSTER", "COUNTKEYSINSLOT", std::to_string(s)});
  auto replies = client.Pipeline(cmds);
  if (!replies.ok()) return;
  for (size_t i = 0; i < slots.size(); ++i)
    if ((*replies)[i].type == RedisReply::Type::kInteger)
      (*slot_keys)[static_cast<size_t>(slots[i])] = (*replies)[i].integer;
}

}  // namespace

const NodeView* ClusterView::FindNode(const std::string& id) const {
  for (const auto& n : nodes)
    if (n.reachable && n.id == id) return &n;
  return nullptr;
}

std::vector<const ClusterNode*> ClusterView::Masters() const {
  auto masters = topology.Masters();
  std::sort(masters.begin(), masters.end(),
            [](const ClusterNode* a, const ClusterNode* b) { return a->id < b->id; });
  return masters;
}

std::vector<std::string> ClusterView::UnreachableMastersWithSlots() const {
  std::vector<std::string> out;
  for (const ClusterNode* m : Masters()) {
    if (m->slots.Empty()) continue;
    if (m->IsFailed() || !FindNode(m->id)) out.push_back(m->id);
  }
  return out;
}

std::string ClusterView::ProblemsText() const {
  std::string out;
  for (const auto& p : Problems()) out += (out.empty() ? "" : "; ") + p;
  return out;
}

std::vector<std::string> ClusterView::Problems() const {
  std::vector<std::string> out;
  for (const auto& id : UnreachableMastersWithSlots()) {
    const ClusterNode* n = topology.FindById(id);
    out.push_back("master " + Short(id) + " (" + (n ? n->Address() : "?") + ") owns " +
                  std::to_string(n ? n->slots.Count() : 0) + " slots but is " +
                  (n && n->IsFailed() ? "marked failed" : "unreachable"));
  }
  if (!owners_agree) {
    std::string line = "nodes disagree about slot owners";
    if (!disagreements.empty()) line += ": " + disagreements.front();
    if (disagreements.size() > 1)
      line += " (and " + std::to_string(disagreements.size() - 1) + " more)";
    out.push_back(line);
  }
  if (!open_slots.empty()) {
    std::string line = std::to_string(open_slots.size()) + " open slot(s):";
    for (size_t i = 0; i < open_slots.size() && i < 5; ++i) {
      const auto& o = open_slots[i];
      line += " " + std::to_string(o.slot);
      for (const auto& [node, to] : o.migrating)
        line += " (" + Short(node) + " migrating to " + Short(to) + ")";
      for (const auto& [node, from] : o.importing)
        line += " (" + Short(node) + " importing from " + Short(from) + ")";
    }
    if (open_slots.size() > 5) line += " ...";
    out.push_back(line);
  }
  if (!uncovered.Empty())
    out.push_back(std::to_string(uncovered.Count()) +
                  " slot(s) not covered by any master: " + uncovered.ToString().substr(0, 200));
  return out;
}

ClusterView BuildClusterView(const std::string& seed, std::vector<NodeView> nodes) {
  ClusterView view;
  view.seed = seed;
  view.nodes = std::move(nodes);
  if (view.nodes.empty() || !view.nodes.front().reachable) return view;
  view.topology = view.nodes.front().topology;
  // Each reachable node is the authority on its own role and open slots.
  for (auto& ref : view.topology.mutable_nodes()) {
    const NodeView* own = view.FindNode(ref.id);
    if (!own || !own->Myself()) continue;
    const ClusterNode* me = own->Myself();
    ref.flags.master = me->flags.master;
    ref.flags.replica = me->flags.replica;
    ref.master_id = me->master_id;
    ref.migrating = me->migrating;
    ref.importing = me->importing;
    ref.config_epoch = me->config_epoch;
  }
  for (const auto& n : view.topology.nodes())
    if (n.IsFailed()) view.failed_nodes.push_back(n.id);
  for (const auto& n : view.nodes)
    if (!n.reachable) view.unreachable.push_back(n.address);

  // Agreement on owners: every reachable node's map against the seed's.
  const std::vector<std::string> reference = view.topology.SlotOwners();
  for (const auto& n : view.nodes) {
    if (!n.reachable || &n == &view.nodes.front()) continue;
    std::vector<std::string> owners = n.topology.SlotOwners();
    int differ = 0;
    int first = -1;
    for (int s = 0; s < kSlotCount; ++s) {
      if (owners[static_cast<size_t>(s)] != reference[static_cast<size_t>(s)]) {
        if (first < 0) first = s;
        ++differ;
      }
    }
    if (differ > 0) {
      view.owners_agree = false;
      auto name = [](const std::string& id) {
        return id.empty() ? std::string("nobody") : Short(id);
      };
      view.disagreements.push_back(n.address + " maps " + std::to_string(differ) +
                                   " slot(s) differently from the seed (slot " +
                                   std::to_string(first) + ": " +
                                   name(owners[static_cast<size_t>(first)]) + " vs " +
                                   name(reference[static_cast<size_t>(first)]) + ")");
    }
  }

  std::map<int, OpenSlot> open;
  for (const auto& n : view.nodes) {
    const ClusterNode* me = n.reachable ? n.Myself() : nullptr;
    if (!me) continue;
    for (const auto& [slot, to] : me->migrating) {
      open[slot].slot = slot;
      open[slot].migrating[me->id] = to;
    }
    for (const auto& [slot, from] : me->importing) {
      open[slot].slot = slot;
      open[slot].importing[me->id] = from;
    }
  }
  for (auto& [slot, o] : open) view.open_slots.push_back(std::move(o));

  SlotSet covered = view.topology.CoveredSlots();
  for (int s = 0; s < kSlotCount; ++s)
    if (!covered.Contains(s)) view.uncovered.Add(s);
  return view;
}

Result<ClusterView> ObserveCluster(RedisConnector& connector, const std::string& seed,
                                   const ObserveOptions& options) {
  std::string host;
  int port = 0;
  RC_RETURN_IF_ERROR(ParseHostPort(seed, &host, &port));
  auto seed_client = connector.Connect(host, port);
  if (!seed_client.ok()) return seed_client.status().WithContext("seed " + seed);
  NodeView seed_view = ReadNode(**seed_client, seed, options);
  if (!seed_view.reachable) return Unavailable("seed " + seed + ": " + seed_view.error);

  std::vector<NodeView> nodes;
  std::vector<std::unique_ptr<RedisClient>> clients;
  const Topology seed_topology = seed_view.topology;
  nodes.push_back(std::move(seed_view));
  clients.push_back(std::move(seed_client).value());

  std::vector<const ClusterNode*> others;
  for (const auto& n : seed_topology.nodes())
    if (!n.flags.myself) others.push_back(&n);
  std::sort(others.begin(), others.end(),
            [](const ClusterNode* a, const ClusterNode* b) { return a->Address() < b->Address(); });
  for (const ClusterNode* n : others) {
    NodeView v;
    v.address = n->Address();
    if (n->ip.empty() || n->port == 0 || n->flags.noaddr || n->flags.handshake) {
      v.error = "no address known";
      nodes.push_back(std::move(v));
      clients.emplace_back();
      continue;
    }
    auto client = connector.Connect(n->ip, n->port);
    if (!client.ok()) {
      v.error = client.status().ToString();
      nodes.push_back(std::move(v));
      clients.emplace_back();
      continue;
    }
    v = ReadNode(**client, n->Address(), options);
    if (v.reachable && v.id != n->id) {
      v.error = "answers as " + v.id + ", the seed expected " + n->id;
      v.reachable = false;
    }
    nodes.push_back(std::move(v));
    clients.push_back(std::move(client).value());
  }

  std::vector<long long> slot_keys;
  if (options.count_keys_per_slot) {
    slot_keys.assign(kSlotCount, -1);
    for (size_t i = 0; i < nodes.size(); ++i) {
      const ClusterNode* me = nodes[i].reachable ? nodes[i].Myself() : nullptr;
      if (me && me->IsMaster() && clients[i]) CountKeys(*clients[i], nodes[i], &slot_keys);
    }
  }
  ClusterView view = BuildClusterView(seed, std::move(nodes));
  view.slot_keys = std::move(slot_keys);
  return view;
}

Result<std::string> ResolveNode(const ClusterView& view, const std::string& node) {
  if (node.find(':') != std::string::npos) {
    std::string host;
    int port = 0;
    RC_RETURN_IF_ERROR(ParseHostPort(node, &host, &port));
    for (const auto& n : view.topology.nodes())
      if ((n.ip == host || n.hostname == host) && n.port == port) return n.id;
    return NotFound("no node at " + node + " in the cluster seen from " + view.seed);
  }
  if (node.size() < 4)
    return InvalidArgument("node '" + node + "' is neither HOST:PORT nor a node id");
  std::vector<std::string> matches;
  for (const auto& n : view.topology.nodes())
    if (n.id.compare(0, node.size(), node) == 0) matches.push_back(n.id);
  if (matches.empty())
    return NotFound("no node with id " + node + " in the cluster seen from " + view.seed);
  if (matches.size() > 1) return InvalidArgument("node id prefix " + node + " is ambiguous");
  return matches.front();
}

}  // namespace rc::engine
