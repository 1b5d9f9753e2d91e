#include "agent/kube/status_annotation.h"

#include "agent/kube/kube_objects.h"
#include "common/log.h"

namespace rc::agent {

std::string FormatStatusTime(long long unix_ms) {
  return FormatMicroTime(unix_ms).substr(0, 19) + "Z";
}

ClusterSummary SummarizeView(const Topology& view) {
  ClusterSummary out;
  for (const ClusterNode& node : view.nodes()) {
    if (node.IsFailed()) continue;
    if (!node.IsMaster()) {
      ++out.replicas;
    } else if (!node.slots.Empty()) {
      ++out.masters;
      out.slots_served += node.slots.Count();
    }
  }
  return out;
}

std::string BuildStatusLine(const ClusterSummary& summary, const std::string& previous) {
  std::string line = "masters=" + std::to_string(summary.masters) +
                     " replicas=" + std::to_string(summary.replicas) +
                     " slots=" + std::to_string(summary.slots_served) +
                     "/16384 balanced=" + (summary.balanced ? "yes" : "no");
  if (!summary.last.empty()) {
    std::string last = summary.last;
    for (char& c : last) {
      if (c == '"') c = '\'';
      if (c == '\n' || c == '\r') c = ' ';
    }
    line += " last=\"" + last + "\" at=" + FormatStatusTime(summary.last_ms);
  } else if (auto tail = previous.find(" last=\""); tail != std::string::npos) {
    line += previous.substr(tail);
  }
  return line;
}

StatusAnnotation::StatusAnnotation(KubeClient& client, std::string namespace_name,
                                   StatefulSetGetter sts, Options options)
    : client_(client),
      namespace_name_(std::move(namespace_name)),
      sts_(std::move(sts)),
      options_(options) {}

std::string StatusAnnotation::Current() const {
  const StatefulSetInfo* sts = sts_();
  return sts != nullptr ? sts->status_annotation : "";
}

bool StatusAnnotation::Publish(const std::string& line, std::chrono::steady_clock::time_point now) {
  const StatefulSetInfo* sts = sts_();
  if (sts == nullptr || line.empty()) return false;
  if (line == sts->status_annotation || line == written_) return false;
  if (last_attempt_) {
    auto wait = last_failed_ ? options_.retry_after : options_.min_interval;
    if (now - *last_attempt_ < wait) return false;
  }
  last_attempt_ = now;
  nlohmann::json patch = {{"metadata", {{"annotations", {{kStatusAnnotation, line}}}}}};
  auto patched = client_.MergePatch(
      "/apis/apps/v1/namespaces/" + namespace_name_ + "/statefulsets/" + sts->name, patch);
  last_failed_ = !patched.ok();
  if (!patched.ok()) {
    if (patched.status().message() != last_error_) {
      std::string how =
          patched.status().code() == ErrorCode::kPermissionDenied
              ? "; grant `patch` on statefulsets (deploy/agent-rbac.yaml) to show it there"
              : "; trying again in a minute";
      RC_LOG_WARNING << "cannot write the " << kStatusAnnotation << " annotation on StatefulSet "
                     << sts->name << " (" << patched.status().message() << ")" << how;
    }
    last_error_ = patched.status().message();
    return false;
  }
  last_error_.clear();
  written_ = line;
  RC_VLOG(1) << "StatefulSet " << sts->name << " " << kStatusAnnotation << ": " << line;
  return true;
}

}  // namespace rc::agent
