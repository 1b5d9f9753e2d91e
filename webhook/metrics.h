// Prometheus metrics of the webhook, lock-free to update (atomics), rendered
// in the text exposition format for `GET /metrics`:
//   redis_cluster_webhook_admission_requests_total{outcome="patched"}
//   redis_cluster_webhook_admission_duration_seconds (histogram)
//   redis_cluster_webhook_patch_operations_total
//   redis_cluster_webhook_certificate_reloads_total{result="ok|error"}
//   redis_cluster_webhook_certificate_expiry_timestamp_seconds (once set)
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace rc::webhook {

class Metrics {
 public:
  // `outcome` is one of: ignored, unchanged, patched, denied, bad_request,
  // too_large, error (anything else counts as error).
  void ObserveAdmission(const std::string& outcome, double seconds, size_t patch_operations);
  void ObserveCertReload(bool ok);
  // The serving certificate's notAfter (Unix seconds; CertReloader::not_after_unix()).
  // The gauge is exported only once this is set to a positive value.
  void SetCertificateNotAfter(int64_t unix_seconds) { cert_not_after_ = unix_seconds; }
  std::string Render() const;

  static constexpr std::array<const char*, 7> kOutcomes = {
      "ignored", "unchanged", "patched", "denied", "bad_request", "too_large", "error"};
  static constexpr std::array<double, 10> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,  0.1,    0.25,  1.0};

 private:
  std::array<std::atomic<uint64_t>, kOutcomes.size()> requests_{};
  std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets_{};  // last: +Inf
  std::atomic<uint64_t> duration_micros_sum_{0};
  std::atomic<uint64_t> patch_operations_{0};
  std::atomic<uint64_t> cert_reloads_ok_{0};
  std::atomic<uint64_t> cert_reloads_error_{0};
  std::atomic<int64_t> cert_not_after_{0};
};

}  // namespace rc::webhook
