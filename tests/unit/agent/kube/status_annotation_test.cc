// The coordinator's redis-cluster.io/status annotation: the line (pure) and
// "written only when it changes" against the fake API.
#include "agent/kube/status_annotation.h"

#include <gtest/gtest.h>

#include "agent/kube/kube_objects.h"
#include "tests/unit/agent/kube/fake_kube_client.h"

namespace rc::agent {
namespace {

using testing::FakeKubeClient;
using Clock = std::chrono::steady_clock;

const char* kStsPath = "/apis/apps/v1/namespaces/shop/statefulsets/redis";

// 2026-12-07T10:00:00Z
constexpr long long kAt = 1796637600000LL;

TEST(BuildStatusLine, SaysTheShapeBalanceAndTheLastActionInOneLine) {
  ClusterSummary s;
  s.masters = 4;
  s.replicas = 4;
  s.slots_served = 16384;
  s.balanced = true;
  s.last = "rebalance: moved 4096 slots (1200 keys) in 3.1 s";
  s.last_ms = kAt;
  EXPECT_EQ(BuildStatusLine(s),
            "masters=4 replicas=4 slots=16384/16384 balanced=yes "
            "last=\"rebalance: moved 4096 slots (1200 keys) in 3.1 s\" at=2026-12-07T10:00:00Z");
}

TEST(BuildStatusLine, NoActionYetOmitsLastAndAt) {
  ClusterSummary s;
  s.masters = 3;
  s.slots_served = 10000;
  EXPECT_EQ(BuildStatusLine(s), "masters=3 replicas=0 slots=10000/16384 balanced=no");
}

TEST(BuildStatusLine, ANewCoordinatorKeepsThePreviousLastAction) {
  ClusterSummary s;
  s.masters = 3;
  s.replicas = 3;
  s.slots_served = 16384;
  s.balanced = true;
  EXPECT_EQ(BuildStatusLine(s,
                            "masters=3 replicas=2 slots=16384/16384 balanced=no "
                            "last=\"drain: moved 5 slots\" at=2026-12-07T09:00:00Z"),
            "masters=3 replicas=3 slots=16384/16384 balanced=yes "
            "last=\"drain: moved 5 slots\" at=2026-12-07T09:00:00Z");
}

TEST(BuildStatusLine, QuotesAndNewlinesInTheActionCannotBreakTheLine) {
  ClusterSummary s;
  s.last = "said \"hi\"\nthen left";
  s.last_ms = kAt;
  EXPECT_NE(BuildStatusLine(s).find("last=\"said 'hi' then left\""), std::string::npos);
}

TEST(SummarizeView, CountsLiveMastersWithSlotsLiveReplicasAndServedSlots) {
  auto view = Topology::ParseClusterNodes(
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 10.0.0.1:6379@16379 myself,master - 0 0 1 "
      "connected 0-8191\n"
      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb 10.0.0.2:6379@16379 master - 0 0 2 connected "
      "8192-12287\n"
      "cccccccccccccccccccccccccccccccccccccccc 10.0.0.3:6379@16379 master,fail - 0 0 3 "
      "connected 12288-16383\n"
      "dddddddddddddddddddddddddddddddddddddddd 10.0.0.4:6379@16379 master - 0 0 4 connected\n"
      "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee 10.0.0.5:6379@16379 slave "
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 0 0 1 connected\n"
      "ffffffffffffffffffffffffffffffffffffffff 10.0.0.6:6379@16379 slave,fail "
      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb 0 0 2 connected\n");
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  ClusterSummary s = SummarizeView(*view);
  EXPECT_EQ(s.masters, 2) << "the failed master and the empty one do not count";
  EXPECT_EQ(s.replicas, 1);
  EXPECT_EQ(s.slots_served, 12288);
}

class StatusAnnotationTest : public ::testing::Test {
 protected:
  StatusAnnotationTest() {
    kube_.objects[kStsPath] = nlohmann::json::parse(R"({"metadata": {"name": "redis"},
        "spec": {"replicas": 6, "selector": {"matchLabels": {"app": "redis"}}}})");
  }
  // What the loop does: read the StatefulSet (fresh each loop), then publish.
  bool Loop(const std::string& line, Clock::time_point now) {
    auto parsed = ParseStatefulSet(kube_.objects[kStsPath]);
    EXPECT_TRUE(parsed.ok());
    sts_ = *parsed;
    return status_.Publish(line, now);
  }
  std::string Annotation() {
    return kube_.objects[kStsPath]["metadata"]["annotations"].value(kStatusAnnotation, "");
  }
  int Patches() const {
    int n = 0;
    for (const auto& w : kube_.writes) n += w.verb == "PATCH" ? 1 : 0;
    return n;
  }

  FakeKubeClient kube_;
  StatefulSetInfo sts_;
  StatusAnnotation status_{
      kube_, "shop", [this] { return &sts_; },
      StatusAnnotation::Options{std::chrono::seconds(5), std::chrono::seconds(60)}};
  Clock::time_point t0_ = Clock::now();
};

TEST_F(StatusAnnotationTest, WritesOnceAndThenOnlyWhenTheLineChanges) {
  const std::string a = "masters=3 replicas=3 slots=16384/16384 balanced=yes";
  const std::string b = "masters=3 replicas=3 slots=16384/16384 balanced=no";
  EXPECT_TRUE(Loop(a, t0_));
  ASSERT_EQ(Patches(), 1);
  EXPECT_EQ(kube_.writes[0].path, kStsPath);
  EXPECT_EQ(kube_.writes[0].body,
            nlohmann::json({{"metadata", {{"annotations", {{kStatusAnnotation, a}}}}}}))
      << "a merge patch of the annotation only";
  EXPECT_EQ(Annotation(), a);
  for (int i = 1; i <= 100; ++i) EXPECT_FALSE(Loop(a, t0_ + std::chrono::seconds(i)));
  EXPECT_EQ(Patches(), 1) << "an unchanged line is never written again";
  EXPECT_TRUE(Loop(b, t0_ + std::chrono::seconds(101)));
  EXPECT_EQ(Patches(), 2);
  EXPECT_EQ(Annotation(), b);
}

TEST_F(StatusAnnotationTest, AFlappingLineIsWrittenAtMostOncePerInterval) {
  const std::string yes = "masters=3 replicas=3 slots=16384/16384 balanced=yes";
  const std::string no = "masters=3 replicas=3 slots=16384/16384 balanced=no";
  for (int i = 0; i < 50; ++i) Loop(i % 2 ? no : yes, t0_ + std::chrono::milliseconds(100 * i));
  EXPECT_EQ(Patches(), 1) << "50 loops in 5 s: one write";
  EXPECT_TRUE(Loop(no, t0_ + std::chrono::seconds(6)))
      << "the latest line once the interval passed";
  EXPECT_EQ(Annotation(), no);
}

TEST_F(StatusAnnotationTest, ALineTheStatefulSetAlreadyCarriesIsNotWritten) {
  const std::string a = "masters=3 replicas=3 slots=16384/16384 balanced=yes";
  kube_.objects[kStsPath]["metadata"]["annotations"][kStatusAnnotation] = a;
  EXPECT_FALSE(Loop(a, t0_)) << "e.g. written by the previous coordinator";
  EXPECT_EQ(Patches(), 0);
}

TEST_F(StatusAnnotationTest, AForbiddenWriteIsRetriedAMinuteLaterNotEveryLoop) {
  kube_.errors[kStsPath] = PermissionDenied("PATCH: HTTP 403");
  const std::string a = "masters=3 replicas=3 slots=16384/16384 balanced=yes";
  sts_.name = "redis";
  EXPECT_FALSE(status_.Publish(a, t0_));
  for (int i = 1; i < 60; ++i) status_.Publish(a, t0_ + std::chrono::seconds(i));
  EXPECT_EQ(Patches(), 1);
  kube_.errors.clear();
  EXPECT_TRUE(status_.Publish(a, t0_ + std::chrono::seconds(61)));
  EXPECT_EQ(Patches(), 2);
}

}  // namespace
}  // namespace rc::agent
