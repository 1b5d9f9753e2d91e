#include "agent/engine/cluster_status.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "agent/engine/planner.h"

namespace rc::engine {
namespace {

double KeyDeviationPercent(const std::vector<MasterStatus>& masters, long long total,
                           int with_slots) {
  if (with_slots <= 0 || total <= 0) return -1;
  const double even = static_cast<double>(total) / with_slots;
  double worst = 0;
  for (const auto& m : masters) {
    if (m.slots == 0 || m.failed) continue;
    if (m.keys < 0) return -1;
    worst = std::max(worst, std::fabs(static_cast<double>(m.keys) - even) / even * 100.0);
  }
  return worst;
}

// "2%", "0.4%": whole percents from 10 up, one decimal below.
std::string Percent(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, p >= 10 ? "%.0f%%" : "%.1f%%", p);
  return buf;
}

}  // namespace

ClusterStatus SummarizeCluster(const ClusterView& view) {
  ClusterStatus st;
  st.problems = view.Problems();
  st.consistent = st.problems.empty();
  st.balanced = IsBalanced(view.topology, PlanOptions{});
  st.open_slots = view.open_slots;
  st.unreachable = view.unreachable;
  for (const auto& n : view.topology.nodes()) {
    const NodeView* nv = view.FindNode(n.id);
    if (n.IsFailed()) st.failed_nodes.push_back(n.id + " " + n.Address());
    if (n.IsMaster()) {
      MasterStatus m;
      m.id = n.id;
      m.address = n.Address();
      m.slots = n.slots.Count();
      m.slot_ranges = n.slots.ToString();
      m.ranges = static_cast<int>(n.slots.Ranges().size());
      m.keys = nv ? nv->keys : -1;
      m.replicas = static_cast<int>(view.topology.ReplicasOf(n.id).size());
      m.failed = n.IsFailed();
      m.reachable = nv != nullptr;
      if (m.slots == 0 && !m.failed) st.empty_masters++;
      if (m.keys > 0) st.total_keys += m.keys;
      st.masters.push_back(m);
    } else {
      st.replicas.push_back({n.id, n.Address(), n.master_id, n.IsFailed(), nv != nullptr});
    }
  }
  std::sort(st.masters.begin(), st.masters.end(),
            [](const MasterStatus& a, const MasterStatus& b) { return a.address < b.address; });
  std::sort(st.replicas.begin(), st.replicas.end(),
            [](const ReplicaStatus& a, const ReplicaStatus& b) { return a.address < b.address; });
  int with_slots = static_cast<int>(st.masters.size()) - st.empty_masters;
  st.key_deviation_percent = KeyDeviationPercent(st.masters, st.total_keys, with_slots);
  std::string facts = std::to_string(with_slots) + " masters with slots, " +
                      std::to_string(st.replicas.size()) + " replicas, " +
                      std::to_string(kSlotCount - view.uncovered.Count()) +
                      "/16384 slots covered, " + std::to_string(st.total_keys) + " keys";
  if (st.empty_masters > 0) facts += ", " + std::to_string(st.empty_masters) + " empty master(s)";
  if (!st.consistent) {
    st.verdict = "PROBLEM: " + st.problems.front();
    if (st.problems.size() > 1)
      st.verdict += " (+" + std::to_string(st.problems.size() - 1) + " more)";
  } else if (!st.balanced) {
    st.verdict =
        "UNBALANCED: " + facts + "; run `redis-cluster-agent rebalance --seed " + view.seed + "`";
  } else {
    st.verdict = "OK: " + facts + ", slots balanced";
    if (st.key_deviation_percent >= 0)
      st.verdict += ", keys within " + Percent(st.key_deviation_percent) + " of an even share";
  }
  st.healthy = st.consistent && st.balanced;
  return st;
}

std::string RenderStatusText(const ClusterStatus& st) {
  std::string out = st.verdict + "\n\nmasters:\n";
  for (const auto& m : st.masters) {
    out += "  " + m.id.substr(0, 8) + "  " + m.address + "  slots=" + std::to_string(m.slots) +
           "  keys=" + (m.keys >= 0 ? std::to_string(m.keys) : "?") +
           "  replicas=" + std::to_string(m.replicas) + "  ranges=" + std::to_string(m.ranges);
    if (m.failed)
      out += "  FAILED";
    else if (!m.reachable)
      out += "  UNREACHABLE";
    if (!m.slot_ranges.empty())
      out += "  [" +
             (m.slot_ranges.size() > 60 ? m.slot_ranges.substr(0, 57) + "..." : m.slot_ranges) +
             "]";
    out += "\n";
  }
  if (!st.replicas.empty()) {
    out += "replicas:\n";
    for (const auto& r : st.replicas) {
      out += "  " + r.id.substr(0, 8) + "  " + r.address + "  of " + r.master_id.substr(0, 8);
      if (r.failed)
        out += "  FAILED";
      else if (!r.reachable)
        out += "  UNREACHABLE";
      out += "\n";
    }
  }
  if (!st.open_slots.empty()) {
    out += "open slots:\n";
    for (const auto& o : st.open_slots) {
      out += "  " + std::to_string(o.slot) + ":";
      for (const auto& [n, to] : o.migrating)
        out += " " + n.substr(0, 8) + " migrating to " + to.substr(0, 8);
      for (const auto& [n, from] : o.importing)
        out += " " + n.substr(0, 8) + " importing from " + from.substr(0, 8);
      out += "\n";
    }
  }
  if (!st.failed_nodes.empty()) {
    out += "failed nodes:\n";
    for (const auto& f : st.failed_nodes) out += "  " + f + "\n";
  }
  if (!st.unreachable.empty()) {
    out += "unreachable:\n";
    for (const auto& u : st.unreachable) out += "  " + u + "\n";
  }
  if (st.problems.size() > 1) {
    out += "problems:\n";
    for (const auto& p : st.problems) out += "  " + p + "\n";
  }
  return out;
}

std::string RenderStatusJson(const ClusterStatus& st) {
  nlohmann::json j;
  j["verdict"] = st.verdict;
  j["healthy"] = st.healthy;
  j["consistent"] = st.consistent;
  j["balanced"] = st.balanced;
  j["total_keys"] = st.total_keys;
  if (st.key_deviation_percent >= 0) j["key_deviation_percent"] = st.key_deviation_percent;
  j["masters"] = nlohmann::json::array();
  for (const auto& m : st.masters)
    j["masters"].push_back({{"id", m.id},
                            {"address", m.address},
                            {"slots", m.slots},
                            {"slot_ranges", m.slot_ranges},
                            {"ranges", m.ranges},
                            {"keys", m.keys},
                            {"replicas", m.replicas},
                            {"failed", m.failed},
                            {"reachable", m.reachable}});
  j["replicas"] = nlohmann::json::array();
  for (const auto& r : st.replicas)
    j["replicas"].push_back({{"id", r.id},
                             {"address", r.address},
                             {"master_id", r.master_id},
                             {"failed", r.failed},
                             {"reachable", r.reachable}});
  j["open_slots"] = nlohmann::json::array();
  for (const auto& o : st.open_slots)
    j["open_slots"].push_back(
        {{"slot", o.slot}, {"migrating", o.migrating}, {"importing", o.importing}});
  j["failed_nodes"] = st.failed_nodes;
  j["unreachable"] = st.unreachable;
  j["problems"] = st.problems;
  return j.dump(2) + "\n";
}

}  // namespace rc::engine
