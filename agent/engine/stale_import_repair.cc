// MigrationEngine::RepairStaleImports: points a node that imports slots from
// a master that died and was failed over at the slot's new owner (see
// stale_imports.h), so that it covers the slot again (cluster_state:ok) and
// may MIGRATE the slot's keys there.
#include <chrono>
#include <map>
#include <thread>

#include "agent/engine/migration_engine.h"
#include "common/connection_cache.h"
#include "common/log.h"

namespace rc::engine {

Status MigrationEngine::RepairStaleImports(const std::vector<StaleImport>& stale) {
  if (stale.empty()) return Status::Ok();
  ConnectionCache connections(connector_);
  std::map<std::string, RedisClient*> repaired;  // address -> client
  for (const StaleImport& st : stale) {
    const std::string s = std::to_string(st.slot);
    std::string host;
    int port = 0;
    RC_RETURN_IF_ERROR(ParseHostPort(st.address, &host, &port));
    auto client = connections.Get(host, port);
    if (!client.ok()) return client.status().WithContext("slot " + s);
    RC_LOG_INFO << "slot " << s << ": " << st.address << " imports it from failed master "
                << st.dead_source.substr(0, 8) << " and so never learns its new owner "
                << st.owner_address << " (" << st.owner.substr(0, 8)
                << "); pointing it there and importing from it";
    // STABLE, then NODE: its view covers the slot again; IMPORTING from the
    // new owner: it may still MIGRATE the slot's keys there.
    auto replies = (*client)->Pipeline({{"CLUSTER", "SETSLOT", s, "STABLE"},
                                        {"CLUSTER", "SETSLOT", s, "NODE", st.owner},
                                        {"CLUSTER", "SETSLOT", s, "IMPORTING", st.owner}});
    if (!replies.ok()) return replies.status().WithContext("slot " + s);
    for (const auto& r : *replies)
      if (r.IsError())
        return Internal("slot " + s + ": pointing " + st.address + " at " + st.owner_address +
                        ": " + r.str);
    repaired[st.address] = *client;
  }
  // Best effort: MIGRATE retries CLUSTERDOWN anyway.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (const auto& [address, client] : repaired) {
    while (true) {
      auto info = client->Command({"CLUSTER", "INFO"});
      if (info.ok() && info->str.find("cluster_state:ok") != std::string::npos) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        RC_LOG_WARNING << address << " still reports cluster_state:fail after its stale "
                       << "imports were pointed at their new owners";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return Status::Ok();
}

}  // namespace rc::engine
