// The Coordinator against an in-memory lease: who takes the lease and when,
// that it is renewed while held and given up when pod-0 is back, and that
// pod-0 coordinates without one when Kubernetes forbids it.
#include "agent/sidecar/coordinator.h"

#include <gtest/gtest.h>

#include <mutex>

#include "tests/support/wait_for.h"
#include "tests/unit/agent/reconcile/pod_snapshot_builder.h"

namespace rc::agent {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// A lease in memory, one holder at a time (it never expires by itself); it
// counts what was asked, and can be made to refuse every call with an error.
class FakeLease : public CoordinatorLease {
 public:
  Result<bool> AcquireOrRenew(const std::string& holder) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++acquire_calls_;
    if (!error_.ok()) return error_;
    if (!holder_.empty() && holder_ != holder) return false;
    holder_ = holder;
    return true;
  }
  Status Release(const std::string& holder) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++release_calls_;
    if (holder_ == holder) holder_.clear();
    return Status::Ok();
  }
  std::string Holder() override {
    std::lock_guard<std::mutex> lock(mu_);
    return holder_;
  }

  void Fail(Status error) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = std::move(error);
  }
  void HeldBy(const std::string& holder) {
    std::lock_guard<std::mutex> lock(mu_);
    holder_ = holder;
  }
  int acquire_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return acquire_calls_;
  }
  int release_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return release_calls_;
  }

 private:
  std::mutex mu_;
  std::string holder_;
  Status error_;
  int acquire_calls_ = 0;
  int release_calls_ = 0;
};

PodSnapshot Pods(const std::vector<std::pair<int, bool>>& ordinal_ready, int replicas = 3) {
  return testing::PodsByReadiness(ordinal_ready, replicas);
}

CoordinatorOptions Options(int ordinal, milliseconds lease = milliseconds(15000)) {
  CoordinatorOptions o;
  o.pod_name = "redis-" + std::to_string(ordinal);
  o.ordinal = ordinal;
  o.lease_duration = lease;
  o.namespace_name = "shop";
  return o;
}

TEST(Coordinator, PodZeroTakesTheLeaseAndOthersLeaveIt) {
  FakeLease lease;
  Coordinator pod0(Options(0), lease);
  Coordinator pod1(Options(1), lease);
  auto pods = Pods({{0, true}, {1, true}, {2, true}});
  EXPECT_TRUE(pod0.Update(pods, Clock::now()));
  EXPECT_TRUE(pod0.holding());
  EXPECT_EQ(lease.Holder(), "redis-0");
  EXPECT_FALSE(pod1.Update(pods, Clock::now()));
  EXPECT_FALSE(pod1.holding());
  EXPECT_EQ(lease.Holder(), "redis-0");
}

TEST(Coordinator, TheLeaseIsRenewedWhileHeldWithoutAnyUpdate) {
  FakeLease lease;
  Coordinator pod0(Options(0, milliseconds(300)), lease);  // renewed every 100 ms
  ASSERT_TRUE(pod0.Update(Pods({{0, true}}), Clock::now()));
  int after_take = lease.acquire_calls();
  EXPECT_TRUE(rc::testing::WaitFor([&] { return lease.acquire_calls() >= after_take + 2; },
                                   std::chrono::seconds(10)))
      << "a long migration holds up the loop: the lease must not expire meanwhile";
}

TEST(Coordinator, AnotherPodTakesOverOnlyOncePodZeroHasBeenGoneLongerThanTheLease) {
  FakeLease lease;
  Coordinator pod1(Options(1, milliseconds(15000)), lease);
  auto gone = Pods({{0, false}, {1, true}, {2, true}});
  Clock::time_point t0 = Clock::now();
  EXPECT_FALSE(pod1.Update(gone, t0)) << "pod-0 may just be restarting";
  EXPECT_FALSE(pod1.Update(gone, t0 + milliseconds(14000)));
  EXPECT_EQ(lease.acquire_calls(), 0);
  EXPECT_TRUE(pod1.Update(gone, t0 + milliseconds(15000)));
  EXPECT_EQ(lease.Holder(), "redis-1");
}

TEST(Coordinator, PodZeroBackReadyMeansTheStandInHandsTheLeaseBack) {
  FakeLease lease;
  Coordinator pod1(Options(1, milliseconds(1000)), lease);
  Clock::time_point t0 = Clock::now();
  auto gone = Pods({{0, false}, {1, true}, {2, true}});
  ASSERT_FALSE(pod1.Update(gone, t0));
  ASSERT_TRUE(pod1.Update(gone, t0 + milliseconds(2000)));
  EXPECT_FALSE(pod1.Update(Pods({{0, true}, {1, true}, {2, true}}), t0 + milliseconds(3000)));
  EXPECT_FALSE(pod1.holding());
  EXPECT_EQ(lease.release_calls(), 1);
  EXPECT_EQ(lease.Holder(), "");
  // Pod-0 gone again: the wait starts over.
  EXPECT_FALSE(pod1.Update(gone, t0 + milliseconds(3500)));
}

TEST(Coordinator, ALiveLeaseHeldBySomeoneElseIsLeftAlone) {
  FakeLease lease;
  lease.HeldBy("redis-2");
  Coordinator pod0(Options(0), lease);
  EXPECT_FALSE(pod0.Update(Pods({{0, true}, {1, true}, {2, true}}), Clock::now()));
  EXPECT_FALSE(pod0.holding());
  EXPECT_EQ(lease.Holder(), "redis-2");
}

TEST(Coordinator, PodZeroCoordinatesWithoutTheLeaseWhenItIsForbidden) {
  FakeLease lease;
  lease.Fail(PermissionDenied("leases.coordination.k8s.io is forbidden: HTTP 403"));
  auto pods = Pods({{0, true}, {1, true}, {2, true}});
  Coordinator pod0(Options(0), lease);
  EXPECT_TRUE(pod0.Update(pods, Clock::now()));
  EXPECT_TRUE(pod0.Update(pods, Clock::now())) << "and keeps doing so";
  // Nobody else does: one coordinator at most, even without a lease.
  Coordinator pod1(Options(1, milliseconds(1000)), lease);
  Clock::time_point t0 = Clock::now();
  auto gone = Pods({{0, false}, {1, true}, {2, true}});
  EXPECT_FALSE(pod1.Update(gone, t0));
  EXPECT_FALSE(pod1.Update(gone, t0 + milliseconds(2000)));
}

TEST(Coordinator, ALeaseErrorIsNoCoordination) {
  FakeLease lease;
  lease.Fail(Unavailable("kubernetes API: connection refused"));
  Coordinator pod0(Options(0), lease);
  EXPECT_FALSE(pod0.Update(Pods({{0, true}}), Clock::now()));
  EXPECT_FALSE(pod0.holding());
}

TEST(Coordinator, ResignGivesTheLeaseUp) {
  FakeLease lease;
  Coordinator pod0(Options(0), lease);
  ASSERT_TRUE(pod0.Update(Pods({{0, true}}), Clock::now()));
  pod0.Resign();
  EXPECT_EQ(lease.Holder(), "");
}

}  // namespace
}  // namespace rc::agent
