// MigrationEngine::FixOpenSlots: closes MIGRATING / IMPORTING slots left by
// an interrupted migration, the way `redis-cli --cluster fix` does, without
// losing a key:
//   - a move both sides agree on (source MIGRATING to a target that is
//     IMPORTING from it, or already owns the slot) is finished on the target;
//   - otherwise the slot settles on its owner (the one master that claims it),
//     or with no single owner on the master holding most of its keys;
//   - keys found on any other master are MIGRATEd to the chosen one;
//   - finally the chosen master owns the slot (SETSLOT NODE / STABLE) and every
//     other master is told (SETSLOT STABLE + NODE).
// First of all, a node importing from a master that died and was failed over
// (a stale import, see stale_imports.h) is pointed at the new owner: until
// then it says cluster_state:fail and refuses to MIGRATE the slot's keys.
#include <algorithm>
#include <map>
#include <set>

#include "agent/engine/key_mover.h"
#include "agent/engine/migration_engine.h"
#include "agent/engine/stale_imports.h"
#include "common/connection_cache.h"
#include "common/log.h"

namespace rc::engine {
namespace {

std::string Short(const std::string& id) { return id.substr(0, 8); }

struct SlotHolder {
  const ClusterNode* node = nullptr;  // from the reference topology (address)
  RedisClient* client = nullptr;
  bool claims = false;  // owns the slot in its own view
  bool open = false;    // has it MIGRATING or IMPORTING
  long long keys = 0;
};

Status SetSlot(RedisClient& c, int slot, const std::string& verb, const std::string& id = "") {
  RedisCommand cmd = {"CLUSTER", "SETSLOT", std::to_string(slot), verb};
  if (!id.empty()) cmd.push_back(id);
  return CommandChecked(c, cmd).status();
}

}  // namespace

Status MigrationEngine::FixOpenSlots(const ClusterView& view, FixReport* report) {
  FixReport local;
  if (!report) report = &local;
  ConnectionCache connections(connector_);
  const std::vector<std::string> reference_owners = view.topology.SlotOwners();
  const std::vector<StaleImport> stale = FindStaleImports(view);
  std::set<int> failed_over;  // slots whose dead owner's replica has taken over
  for (const auto& st : stale) failed_over.insert(st.slot);
  RC_RETURN_IF_ERROR(RepairStaleImports(stale));
  int skipped = 0;
  for (const OpenSlot& open : view.open_slots) {
    const int slot = open.slot;
    const std::string slot_name = "slot " + std::to_string(slot);
    // A slot whose owner is down waits for its failover: its replica holds keys
    // that must not be overruled. (When the seed itself was a stale importer,
    // it still names the dead owner, but the replica has taken over.)
    const std::string& ref_owner = reference_owners[static_cast<size_t>(slot)];
    const ClusterNode* ref_node = view.topology.FindById(ref_owner);
    if (!ref_owner.empty() && !failed_over.count(slot) &&
        (!view.FindNode(ref_owner) || (ref_node && ref_node->IsFailed()))) {
      if (skipped++ == 0)
        RC_LOG_WARNING << "open " << slot_name << " belongs to unreachable master "
                       << Short(ref_owner)
                       << "; leaving it (and any like it) until that master is back or failed "
                          "over (if it is lost for good with no replica, `redis-cluster-agent "
                          "cover-slots` closes it)";
      report->skipped.push_back(slot);
      continue;
    }
    // Every reachable master: does it claim the slot, does it hold keys?
    std::vector<SlotHolder> holders;
    for (const ClusterNode* m : view.Masters()) {
      const NodeView* nv = view.FindNode(m->id);
      if (!nv || !nv->Myself() || !nv->Myself()->IsMaster()) continue;
      auto client = connections.Get(m->ip, m->port);
      if (!client.ok()) continue;
      auto count = CommandChecked(**client, {"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)});
      if (!count.ok()) return count.status().WithContext(slot_name);
      SlotHolder h;
      h.node = m;
      h.client = *client;
      h.claims = nv->Myself()->slots.Contains(slot);
      h.open = nv->Myself()->migrating.count(slot) || nv->Myself()->importing.count(slot);
      h.keys = count->integer;
      holders.push_back(h);
    }
    if (holders.empty()) return Unavailable(slot_name + ": no reachable master to settle it on");
    auto find = [&](const std::string& id) -> SlotHolder* {
      for (auto& h : holders)
        if (h.node->id == id) return &h;
      return nullptr;
    };

    // Decide who keeps the slot.
    SlotHolder* owner = nullptr;
    std::string why;
    if (open.migrating.size() == 1) {
      const auto& [from, to] = *open.migrating.begin();
      SlotHolder* target = find(to);
      auto imp = open.importing.find(to);
      bool agree =
          target && ((imp != open.importing.end() && imp->second == from) || target->claims);
      if (agree) {
        owner = target;
        why = "finishing the move " + Short(from) + " -> " + Short(to) + " (both sides agree)";
      }
    }
    if (!owner) {
      std::vector<SlotHolder*> claimants;
      for (auto& h : holders)
        if (h.claims) claimants.push_back(&h);
      if (claimants.size() == 1) {
        owner = claimants.front();
        why = "settling on its owner " + Short(owner->node->id);
      } else {
        owner = &holders.front();
        for (auto& h : holders)
          if (h.keys > owner->keys || (h.keys == owner->keys && h.claims && !owner->claims))
            owner = &h;
        why = "no single owner (" + std::to_string(claimants.size()) + " claim it); settling on " +
              Short(owner->node->id) + ", which holds the most keys (" +
              std::to_string(owner->keys) + ")";
      }
    }
    RC_LOG_INFO << "fixing open " << slot_name << ": " << why;

    // Let the owner receive keys: it owns the slot or imports it.
    RedisClient& oc = *owner->client;
    bool owner_imports = false;
    if (!owner->claims) {
      std::string peer;
      for (const auto& h : holders)
        if (&h != owner) peer = h.node->id;
      auto own_view = CommandChecked(oc, {"CLUSTER", "NODES"});
      if (!own_view.ok()) return own_view.status().WithContext(slot_name);
      auto topo = Topology::ParseClusterNodes(own_view->str);
      if (!topo.ok()) return topo.status();
      bool anyone = !topo->SlotOwners()[static_cast<size_t>(slot)].empty();
      if (!anyone) {
        RC_RETURN_IF_ERROR(SetSlot(oc, slot, "STABLE"));
        RC_RETURN_IF_ERROR(
            CommandChecked(oc, {"CLUSTER", "ADDSLOTS", std::to_string(slot)}).status());
        (void)oc.Command({"CLUSTER", "BUMPEPOCH"});
        owner->claims = true;
      } else {
        auto mine = view.FindNode(owner->node->id);
        bool importing = mine && mine->Myself() && mine->Myself()->importing.count(slot);
        if (!importing)
          RC_RETURN_IF_ERROR(
              SetSlot(oc, slot, "IMPORTING",
                      peer.empty() ? topo->SlotOwners()[static_cast<size_t>(slot)] : peer));
        owner_imports = true;
      }
    }

    // Move stray keys to the owner.
    for (auto& h : holders) {
      if (&h == owner || h.keys == 0) continue;
      if (!h.open) {
        RC_RETURN_IF_ERROR(
            SetSlot(*h.client, slot, h.claims ? "MIGRATING" : "IMPORTING", owner->node->id));
        h.open = true;
      }
      KeyMover mover(*h.client, oc, owner->node->ip, owner->node->port, options_);
      auto moved = mover.MoveSlot(slot);
      if (!moved.ok()) return moved.status().WithContext("fixing " + slot_name);
      report->keys_moved += *moved;
      RC_LOG_INFO << slot_name << ": moved " << *moved << " key(s) from " << h.node->Address()
                  << " to " << owner->node->Address();
    }

    // Close it: the owner first, then every other master.
    if (owner_imports) {
      RC_RETURN_IF_ERROR(SetSlot(oc, slot, "NODE", owner->node->id));
    } else {
      RC_RETURN_IF_ERROR(SetSlot(oc, slot, "STABLE"));
    }
    for (auto& h : holders) {
      if (&h == owner) continue;
      auto replies = h.client->Pipeline(
          {{"CLUSTER", "SETSLOT", std::to_string(slot), "STABLE"},
           {"CLUSTER", "SETSLOT", std::to_string(slot), "NODE", owner->node->id}});
      if (!replies.ok()) return replies.status().WithContext(slot_name);
      for (const auto& r : *replies)
        if (r.IsError())
          return Internal(slot_name + ": closing it on " + h.node->Address() + ": " + r.str);
    }
    report->slots_fixed++;
    report->actions.push_back(slot_name + ": " + why);
  }
  return Status::Ok();
}

}  // namespace rc::engine
