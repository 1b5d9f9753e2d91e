#include "webhook/metrics.h"

#include <cstdio>
#include <string_view>

namespace rc::webhook {

void Metrics::ObserveAdmission(const std::string& outcome, double seconds,
                               size_t patch_operations) {
  size_t index = kOutcomes.size() - 1;  // error
  for (size_t i = 0; i < kOutcomes.size(); ++i) {
    if (outcome == kOutcomes[i]) index = i;
  }
  requests_[index].fetch_add(1, std::memory_order_relaxed);
  size_t bucket = kBuckets.size();
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      bucket = i;
      break;
    }
  }
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  duration_micros_sum_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  patch_operations_.fetch_add(patch_operations, std::memory_order_relaxed);
}

void Metrics::ObserveCertReload(bool ok) {
  (ok ? cert_reloads_ok_ : cert_reloads_error_).fetch_add(1);
}

std::string Metrics::Render() const {
  std::string out;
  char line[256];
  out +=
      "# HELP redis_cluster_webhook_admission_requests_total AdmissionReviews answered, by "
      "outcome.\n";
  out += "# TYPE redis_cluster_webhook_admission_requests_total counter\n";
  for (size_t i = 0; i < kOutcomes.size(); ++i) {
    std::snprintf(line, sizeof(line),
                  "redis_cluster_webhook_admission_requests_total{outcome=\"%s\"} %llu\n",
                  kOutcomes[i], static_cast<unsigned long long>(requests_[i].load()));
    out += line;
  }
  out +=
      "# HELP redis_cluster_webhook_admission_duration_seconds Time to answer one "
      "AdmissionReview.\n";
  out += "# TYPE redis_cluster_webhook_admission_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kBuckets.size(); ++i) {
    cumulative += buckets_[i].load();
    if (i < kBuckets.size()) {
      std::snprintf(line, sizeof(line),
                    "redis_cluster_webhook_admission_duration_seconds_bucket{le=\"%g\"} %llu\n",
                    kBuckets[i], static_cast<unsigned long long>(cumulative));
    } else {
      std::snprintf(line, sizeof(line),
                    "redis_cluster_webhook_admission_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                    static_cast<unsigned long long>(cumulative));
    }
    out += line;
  }
  std::snprintf(line, sizeof(line),
                "redis_cluster_webhook_admission_duration_seconds_sum %.6f\n"
                "redis_cluster_webhook_admission_duration_seconds_count %llu\n",
                static_cast<double>(duration_micros_sum_.load()) / 1e6,
                static_cast<unsigned long long>(cumulative));
  out += line;
  out += "# HELP redis_cluster_webhook_patch_operations_total JSONPatch operations returned.\n";
  out += "# TYPE redis_cluster_webhook_patch_operations_total counter\n";
  out += "redis_cluster_webhook_patch_operations_total " +
         std::to_string(patch_operations_.load()) + "\n";
  out +=
      "# HELP redis_cluster_webhook_certificate_reloads_total Certificate reload attempts after a "
      "file change.\n";
  out += "# TYPE redis_cluster_webhook_certificate_reloads_total counter\n";
  out += "redis_cluster_webhook_certificate_reloads_total{result=\"ok\"} " +
         std::to_string(cert_reloads_ok_.load()) + "\n";
  out += "redis_cluster_webhook_certificate_reloads_total{result=\"error\"} " +
         std::to_string(cert_reloads_error_.load()) + "\n";
  if (int64_t not_after = cert_not_after_.load(); not_after > 0) {
    out +=
        "# HELP redis_cluster_webhook_certificate_expiry_timestamp_seconds notAfter of the "
        "serving certificate, as a Unix time.\n"
        "# TYPE redis_cluster_webhook_certificate_expiry_timestamp_seconds gauge\n"
        "redis_cluster_webhook_certificate_expiry_timestamp_seconds " +
        std::to_string(not_after) + "\n";
  }
  return out;
}

}  // namespace rc::webhook
