#include "common/topology.h"

#include <charconv>

namespace rc {
namespace {

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < s.size()) {
    while (pos < s.size() && s[pos] == ' ') ++pos;
    if (pos >= s.size()) break;
    size_t end = s.find(' ', pos);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

template <typename Int>
bool ParseInt(std::string_view s, Int* out) {
  if (s.empty()) return false;
  auto res = std::from_chars(s.data(), s.data() + s.size(), *out);
  return res.ec == std::errc() && res.ptr == s.data() + s.size();
}

bool IsNodeId(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Status ParseFlags(std::string_view text, NodeFlags* flags) {
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view f = text.substr(pos, end - pos);
    pos = end + 1;
    if (f == "myself")
      flags->myself = true;
    else if (f == "master")
      flags->master = true;
    else if (f == "slave")
      flags->replica = true;
    else if (f == "fail?")
      flags->pfail = true;
    else if (f == "fail")
      flags->fail = true;
    else if (f == "handshake")
      flags->handshake = true;
    else if (f == "noaddr")
      flags->noaddr = true;
    else if (f == "nofailover")
      flags->nofailover = true;
    else if (f == "noflags")
      flags->noflags = true;
    else if (f.empty())
      return InvalidArgument("empty flag in '" + std::string(text) + "'");
    // Unknown flags from newer servers are ignored on purpose.
    if (end == text.size()) break;
  }
  return Status::Ok();
}

// "ip:port@cport[,hostname[,key=value...]]"; redis 3.x lacks "@cport"; redis 7.2+
// nodes.conf style auxiliary fields (shard-id=..., tls-port=...) are accepted and ignored.
Status ParseAddress(std::string_view text, ClusterNode* node) {
  auto comma = text.find(',');
  if (comma != std::string_view::npos) {
    std::string_view rest = text.substr(comma + 1);
    text = text.substr(0, comma);
    bool first = true;
    while (true) {
      auto next = rest.find(',');
      std::string_view part = rest.substr(0, next);
      bool aux = part.find('=') != std::string_view::npos;
      if (first && !aux) {
        node->hostname = std::string(part);
      } else if (!aux) {
        return InvalidArgument("address field '" + std::string(part) +
                               "' after the hostname is not key=value");
      }
      first = false;
      if (next == std::string_view::npos) break;
      rest = rest.substr(next + 1);
    }
  }
  auto at = text.find('@');
  std::string_view hostport = text.substr(0, at);
  if (at != std::string_view::npos && (!ParseInt(text.substr(at + 1), &node->bus_port) ||
                                       node->bus_port < 0 || node->bus_port > 65535))
    return InvalidArgument("bad cluster bus port in address '" + std::string(text) + "'");
  auto colon = hostport.rfind(':');
  if (colon == std::string_view::npos)
    return InvalidArgument("address '" + std::string(text) + "' has no ':port'");
  node->ip = std::string(hostport.substr(0, colon));
  if (!ParseInt(hostport.substr(colon + 1), &node->port) || node->port < 0 || node->port > 65535)
    return InvalidArgument("bad port in address '" + std::string(text) + "'");
  if (at == std::string_view::npos) node->bus_port = node->port + 10000;
  return Status::Ok();
}

Status ParseSlotField(std::string_view f, ClusterNode* node) {
  if (f.size() >= 2 && f.front() == '[' && f.back() == ']') {
    std::string_view inner = f.substr(1, f.size() - 2);
    bool migrating = inner.find("->-") != std::string_view::npos;
    bool importing = inner.find("-<-") != std::string_view::npos;
    if (migrating == importing)
      return InvalidArgument("bad open-slot entry '" + std::string(f) + "'");
    auto sep = inner.find(migrating ? "->-" : "-<-");
    int slot = 0;
    std::string_view peer = inner.substr(sep + 3);
    if (!ParseInt(inner.substr(0, sep), &slot) || slot < 0 || slot >= kSlotCount || !IsNodeId(peer))
      return InvalidArgument("bad open-slot entry '" + std::string(f) + "'");
    (migrating ? node->migrating : node->importing)[slot] = std::string(peer);
    return Status::Ok();
  }
  auto parsed = SlotSet::Parse(f);
  if (!parsed.ok()) return parsed.status();
  node->slots.Merge(*parsed);
  return Status::Ok();
}

}  // namespace

std::string NodeFlags::ToString() const {
  std::string out;
  auto add = [&out](bool on, const char* name) {
    if (!on) return;
    if (!out.empty()) out.push_back(',');
    out += name;
  };
  add(myself, "myself");
  add(master, "master");
  add(replica, "slave");
  add(pfail, "fail?");
  add(fail, "fail");
  add(handshake, "handshake");
  add(noaddr, "noaddr");
  add(nofailover, "nofailover");
  add(noflags, "noflags");
  return out;
}

namespace {

// Parses one line (without line ending); errors name the line (`where`, e.g. "line 3").
Result<ClusterNode> ParseLine(std::string_view line, const std::string& where) {
  auto fields = SplitSpaces(line);
  auto fail = [&](const std::string& what) {
    std::string shown(line.substr(0, 200));
    if (line.size() > 200) shown += "...";
    return InvalidArgument("CLUSTER NODES " + where + " '" + shown + "': " + what);
  };
  if (fields.size() < 8)
    return fail("expected at least 8 fields, got " + std::to_string(fields.size()));
  ClusterNode node;
  if (!IsNodeId(fields[0])) return fail("node id is not 40 hex characters");
  node.id = std::string(fields[0]);
  if (Status s = ParseAddress(fields[1], &node); !s.ok()) return fail(s.message());
  if (Status s = ParseFlags(fields[2], &node.flags); !s.ok()) return fail(s.message());
  if (fields[3] != "-") {
    if (!IsNodeId(fields[3])) return fail("master id is neither '-' nor a node id");
    node.master_id = std::string(fields[3]);
  }
  if (!ParseInt(fields[4], &node.ping_sent)) return fail("bad ping-sent");
  if (!ParseInt(fields[5], &node.pong_received)) return fail("bad pong-recv");
  if (!ParseInt(fields[6], &node.config_epoch)) return fail("bad config-epoch");
  if (fields[7] == "connected")
    node.link_connected = true;
  else if (fields[7] != "disconnected")
    return fail("link state is neither connected nor disconnected");
  for (size_t i = 8; i < fields.size(); ++i) {
    if (Status s = ParseSlotField(fields[i], &node); !s.ok()) return fail(s.message());
  }
  return node;
}

std::string_view StripLineEnd(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  return line;
}

}  // namespace

Result<ClusterNode> ParseClusterNodesLine(std::string_view line) {
  return ParseLine(StripLineEnd(line), "line");
}

Result<Topology> Topology::ParseClusterNodes(std::string_view text) {
  Topology topo;
  size_t pos = 0;
  int line_number = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \r") == std::string_view::npos) continue;
    std::string where = "line " + std::to_string(line_number);
    auto node = ParseLine(StripLineEnd(line), where);
    if (!node.ok()) return node.status();
    if (topo.FindById(node->id) != nullptr)
      return InvalidArgument("CLUSTER NODES " + where + ": node id " + node->id +
                             " is listed twice");
    topo.nodes_.push_back(std::move(node).value());
  }
  return topo;
}

const ClusterNode* Topology::Myself() const {
  for (const auto& n : nodes_)
    if (n.flags.myself) return &n;
  return nullptr;
}

const ClusterNode* Topology::FindById(std::string_view id) const {
  for (const auto& n : nodes_)
    if (n.id == id) return &n;
  return nullptr;
}

const ClusterNode* Topology::FindByAddress(std::string_view ip, int port) const {
  for (const auto& n : nodes_)
    if (n.ip == ip && n.port == port) return &n;
  return nullptr;
}

std::vector<const ClusterNode*> Topology::Masters() const {
  std::vector<const ClusterNode*> out;
  for (const auto& n : nodes_)
    if (n.flags.master) out.push_back(&n);
  return out;
}

std::vector<const ClusterNode*> Topology::ReplicasOf(std::string_view master_id) const {
  std::vector<const ClusterNode*> out;
  for (const auto& n : nodes_)
    if (n.flags.replica && n.master_id == master_id) out.push_back(&n);
  return out;
}

std::vector<std::string> Topology::SlotOwners() const {
  std::vector<std::string> owners(kSlotCount);
  for (const auto& n : nodes_)
    for (int s : n.slots.Slots()) owners[static_cast<size_t>(s)] = n.id;
  return owners;
}

SlotSet Topology::CoveredSlots() const {
  SlotSet all;
  for (const auto& n : nodes_) all.Merge(n.slots);
  return all;
}

bool Topology::HasOpenSlots() const {
  for (const auto& n : nodes_)
    if (!n.migrating.empty() || !n.importing.empty()) return true;
  return false;
}

}  // namespace rc
