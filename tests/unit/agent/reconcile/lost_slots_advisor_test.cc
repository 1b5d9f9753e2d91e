// The coordinator's word on slots lost with their master: which ones it
// finds (FindLostSlots), what it says (FormatLostSlotsWarning), and when
// (LostSlotsAdvisor, driven by a fake clock: after a grace period, then only
// every few minutes or when the slots change, and once when they are back).
#include "agent/reconcile/lost_slots_advisor.h"

#include <gtest/gtest.h>

#include "tests/unit/agent/reconcile/cluster_builder.h"

namespace rc::agent {
namespace {

using testing::Build;
using testing::IdOf;
using testing::PodSpec;
using namespace std::chrono_literals;

const char* kA = "0-5461";
const char* kB = "5462-10922";
const char* kC = "10923-16383";

// Three masters, no replicas; redis-2's pod came back with an empty data dir
// (a new node id on the same IP, not joined yet); its old id is "fail".
Observation Redis2BackEmpty() {
  return Build(3, {{0, "M", kA}, {1, "M", kB}, {2, "-", "", -1, "", IdOf(92)}},
               {{IdOf(2), "127.50.0.3", "master,fail", "-", kC}});
}

CoverCommandTarget InPod0() { return {"redis-0", "shop", "127.50.0.1:6379"}; }

LostSlots Find(const Observation& obs) { return FindLostSlots(obs, obs.nodes[0]); }

TEST(FindLostSlots, APodBackEmptyLeavesItsMastersSlotsLost) {
  LostSlots lost = Find(Redis2BackEmpty());
  EXPECT_EQ(lost.slots, SlotSet::Of({{10923, 16383}}));
  EXPECT_TRUE(lost.unowned.Empty());
  ASSERT_EQ(lost.shards.size(), 1u);
  EXPECT_EQ(lost.shards[0].owner.id, IdOf(2));
  EXPECT_EQ(lost.shards[0].pod_name, "redis-2");
  EXPECT_TRUE(lost.shards[0].pod_answers);
}

TEST(FindLostSlots, AFailedMasterWithAReplicaThatAnswersIsNotLost) {
  auto obs = Build(6,
                   {{0, "M", kA, -1, "h0"},
                    {1, "M", kB, -1, "h1"},
                    {2, "X"},
                    {3, "S", "", 0, "h1"},
                    {4, "S", "", 1, "h2"},
                    {5, "S", "", 2, "h0"}},
                   {{IdOf(2), "127.50.0.3", "master,fail", "-", kC}});
  EXPECT_TRUE(Find(obs).empty());
}

// Suspected ("fail?") is not yet lost: cover-slots would refuse, so there is
// nothing to advise until the cluster agrees ("fail").
TEST(FindLostSlots, AMasterOnlySuspectedOfFailingIsNotLostYet) {
  auto suspected = Build(3, {{0, "M", kA}, {1, "M", kB}, {2, "X"}},
                         {{IdOf(2), "127.50.0.3", "master,fail?", "-", kC}});
  EXPECT_TRUE(Find(suspected).empty());
  auto failed = Build(3, {{0, "M", kA}, {1, "M", kB}, {2, "X"}},
                      {{IdOf(2), "127.50.0.3", "master,fail", "-", kC}});
  EXPECT_EQ(Find(failed).slots, SlotSet::Of({{10923, 16383}}));
}

TEST(FindLostSlots, AHealthyClusterLosesNothing) {
  EXPECT_TRUE(Find(Build(3, {{0, "M", kA}, {1, "M", kB}, {2, "M", kC}})).empty());
}

TEST(FindLostSlots, ThePodIsFoundByItsAnnouncedHostnameOnANewIp) {
  auto obs = Build(3, {{0, "M", kA}, {1, "M", kB}, {2, "-", "", -1, "", IdOf(92), "127.50.7.7"}},
                   {{IdOf(2), "127.50.0.3", "master,fail", "-", kC}});
  for (int i = 0; i < 2; ++i)
    for (auto& n : obs.nodes[static_cast<size_t>(i)].view.mutable_nodes())
      if (n.id == IdOf(2)) n.hostname = "redis-2.redis.shop.svc.cluster.local";
  LostSlots lost = Find(obs);
  ASSERT_EQ(lost.shards.size(), 1u);
  EXPECT_EQ(lost.shards[0].pod_name, "redis-2");
  EXPECT_TRUE(lost.shards[0].pod_answers);
}

TEST(FindLostSlots, OnTheSameIpOnlyTheRememberedIdLinksTheOldNodeToItsPod) {
  // redis-2 came back on its IP as a new node: the others then know the old
  // id without an address ("noaddr"), and never mark it failed.
  Observation healthy = Build(3, {{0, "M", kA}, {1, "M", kB}, {2, "M", kC}});
  PodsByNodeId remembered;
  RememberPods(healthy, &remembered);
  EXPECT_EQ(remembered.at(IdOf(2)), "redis-2");
  Observation after = Build(3, {{0, "M", kA}, {1, "M", kB}, {2, "-", "", -1, "", IdOf(92)}},
                            {{IdOf(2), "", "master,noaddr", "-", kC}});
  LostSlots unknown = Find(after);
  ASSERT_EQ(unknown.shards.size(), 1u);
  EXPECT_EQ(unknown.shards[0].pod_name, "");
  EXPECT_NE(FormatLostSlotsWarning(unknown, 60s, InPod0())
                .find("belonged to master aaaaaaaa, whose address now answers as another node."),
            std::string::npos)
      << FormatLostSlotsWarning(unknown, 60s, InPod0());

  RememberPods(after, &remembered);
  LostSlots known = FindLostSlots(after, after.nodes[0], remembered);
  ASSERT_EQ(known.shards.size(), 1u);
  EXPECT_EQ(known.shards[0].pod_name, "redis-2");
  EXPECT_TRUE(known.shards[0].pod_answers);
  EXPECT_NE(FormatLostSlotsWarning(known, 60s, InPod0())
                .find("belonged to master aaaaaaaa (pod redis-2), whose pod came back as a new "
                      "node (empty data dir: its keys are gone)."),
            std::string::npos)
      << FormatLostSlotsWarning(known, 60s, InPod0());

  // Once no node lists the old id (forgotten), it is dropped.
  RememberPods(Build(3, {{0, "M", kA}, {1, "M", kB}, {2, "M", kC, -1, "", IdOf(92)}}), &remembered);
  EXPECT_EQ(remembered.count(IdOf(2)), 0u);
  EXPECT_EQ(remembered.at(IdOf(92)), "redis-2");
}

TEST(FindLostSlots, ARememberedPodWithoutAnIpYetIsStillNamed) {
  PodsByNodeId remembered = {{IdOf(2), "redis-2"}};
  Observation obs =
      Build(3, {{0, "M", kA}, {1, "M", kB}}, {{IdOf(2), "127.50.0.3", "master,fail", "-", kC}});
  LostSlots lost = FindLostSlots(obs, obs.nodes[0], remembered);
  ASSERT_EQ(lost.shards.size(), 1u);
  EXPECT_EQ(lost.shards[0].pod_name, "redis-2");
  EXPECT_FALSE(lost.shards[0].pod_answers);
}

TEST(FormatLostSlotsWarning, NamesTheSlotsTheOwnerItsPodTheLossAndTheCommand) {
  std::string text = FormatLostSlotsWarning(Find(Redis2BackEmpty()), 75s, InPod0());
  EXPECT_EQ(text,
            "slots 10923-16383 (5461 slots) have been served by no master for 75 s: "
            "10923-16383 (5461 slots) belonged to master aaaaaaaa (127.50.0.3:6379, pod redis-2), "
            "marked failed, whose pod came back as a new node (empty data dir: its keys are "
            "gone). No replica answers to take over, so the keys in these slots are lost. With "
            "cluster-require-full-coverage yes (the default) the whole cluster refuses requests "
            "meanwhile. The agent does not accept data loss by itself: to serve these slots "
            "again, EMPTY, run: kubectl exec redis-0 -n shop -c redis-cluster-agent -- "
            "redis-cluster-agent cover-slots --seed 127.50.0.1:6379 --accept-data-loss");
}

TEST(FormatLostSlotsEvent, FitsAnEventAndEndsWithTheCommand) {
  std::string text = FormatLostSlotsEvent(Find(Redis2BackEmpty()), InPod0());
  EXPECT_EQ(text,
            "slots 10923-16383 (5461 slots) are served by no master and no replica of aaaaaaaa "
            "(pod redis-2) can take over: their keys are lost. To serve them again, empty, run: "
            "kubectl exec redis-0 -n shop -c redis-cluster-agent -- redis-cluster-agent "
            "cover-slots --seed 127.50.0.1:6379 --accept-data-loss");
  LostSlots scattered;
  for (int s = 0; s < kSlotCount; s += 2) scattered.slots.Add(s);
  EXPECT_LT(FormatLostSlotsEvent(scattered, InPod0()).size(), 1000u);
}

TEST(FormatLostSlotsWarning, APodThatDoesNotAnswerMayStillBringItsSlotsBack) {
  auto obs = Build(3, {{0, "M", kA}, {1, "M", kB}, {2, "X"}},
                   {{IdOf(2), "127.50.0.3", "master,fail", "-", kC}});
  std::string text = FormatLostSlotsWarning(Find(obs), 60s, InPod0());
  EXPECT_NE(text.find("pod redis-2), marked failed, whose pod's redis does not answer (if it "
                      "comes back with its data dir, its slots come back with it)"),
            std::string::npos)
      << text;
}

TEST(CoverSlotsCommandLine, OutsideKubernetesItIsTheBareCommand) {
  EXPECT_EQ(CoverSlotsCommandLine({"redis-0", "", "10.1.2.3:6379"}),
            "redis-cluster-agent cover-slots --seed 10.1.2.3:6379 --accept-data-loss");
}

class LostSlotsAdvisorTest : public ::testing::Test {
 protected:
  LostSlotsAdvice At(std::chrono::seconds t, const LostSlots& lost) {
    return advisor_.Observe(t0_ + t, lost, InPod0());
  }
  LostSlotsAdvisor advisor_{{60s, 300s}};
  LostSlotsAdvisor::Clock::time_point t0_{};
  LostSlots lost_ = Find(Redis2BackEmpty());
};

TEST_F(LostSlotsAdvisorTest, SaysNothingDuringTheGracePeriodThenOnce) {
  EXPECT_EQ(At(0s, lost_).kind, LostSlotsAdvice::Kind::kNone);
  EXPECT_EQ(At(59s, lost_).kind, LostSlotsAdvice::Kind::kNone);
  LostSlotsAdvice said = At(60s, lost_);
  ASSERT_EQ(said.kind, LostSlotsAdvice::Kind::kWarn);
  EXPECT_EQ(said.text, FormatLostSlotsWarning(lost_, 60s, InPod0()));
  EXPECT_EQ(said.event, FormatLostSlotsEvent(lost_, InPod0()));
  for (auto t : {61s, 120s, 359s})
    EXPECT_EQ(At(t, lost_).kind, LostSlotsAdvice::Kind::kNone) << t.count();
}

TEST_F(LostSlotsAdvisorTest, RepeatsEveryFewMinutesNotEveryLoop) {
  int warnings = 0;
  for (auto t = 0s; t <= 1000s; t += 1s)
    warnings += At(t, lost_).kind == LostSlotsAdvice::Kind::kWarn;
  EXPECT_EQ(warnings, 4);  // at 60, 360, 660, 960 s
  EXPECT_NE(At(1260s, lost_).text.find("for 1260 s"), std::string::npos);
}

TEST_F(LostSlotsAdvisorTest, SpeaksAgainAtOnceWhenTheLostSlotsChange) {
  ASSERT_EQ(At(60s, lost_).kind, LostSlotsAdvice::Kind::kNone);  // first look starts the grace
  ASSERT_EQ(At(120s, lost_).kind, LostSlotsAdvice::Kind::kWarn);
  LostSlots more = lost_;
  more.unowned = SlotSet::Of({{0, 9}});
  more.slots.Merge(more.unowned);
  LostSlotsAdvice said = At(125s, more);
  ASSERT_EQ(said.kind, LostSlotsAdvice::Kind::kWarn);
  EXPECT_NE(said.text.find("0-9 (10 slots) belong to no node"), std::string::npos) << said.text;
}

TEST_F(LostSlotsAdvisorTest, SaysOnceWhenTheSlotsAreServedAgainAndStartsOverAfter) {
  ASSERT_EQ(At(0s, lost_).kind, LostSlotsAdvice::Kind::kNone);
  ASSERT_EQ(At(60s, lost_).kind, LostSlotsAdvice::Kind::kWarn);
  LostSlotsAdvice back = At(70s, LostSlots{});
  ASSERT_EQ(back.kind, LostSlotsAdvice::Kind::kResolved);
  EXPECT_EQ(back.text, "the 5461 slot(s) reported lost are served again: 10923-16383");
  EXPECT_EQ(At(71s, LostSlots{}).kind, LostSlotsAdvice::Kind::kNone);
  EXPECT_EQ(At(80s, lost_).kind, LostSlotsAdvice::Kind::kNone);  // a new grace period
  EXPECT_EQ(At(139s, lost_).kind, LostSlotsAdvice::Kind::kNone);
  EXPECT_EQ(At(140s, lost_).kind, LostSlotsAdvice::Kind::kWarn);
}

TEST_F(LostSlotsAdvisorTest, SlotsBackWithinTheGraceAreNeverMentioned) {
  EXPECT_EQ(At(0s, lost_).kind, LostSlotsAdvice::Kind::kNone);
  EXPECT_EQ(At(30s, LostSlots{}).kind, LostSlotsAdvice::Kind::kNone);
  EXPECT_EQ(At(70s, lost_).kind, LostSlotsAdvice::Kind::kNone);  // the grace starts over
}

}  // namespace
}  // namespace rc::agent
