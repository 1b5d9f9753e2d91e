// cover-slots' pure half: which slots no live master serves and whose they
// were (FindUncoveredSlots), who takes them (DistributeSlots), when accepting
// the loss is refused (PlanSlotCover), and what the user is told.
#include "agent/engine/cover/slot_cover_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>

namespace rc::engine {
namespace {

const std::string kA(40, 'a'), kB(40, 'b'), kC(40, 'c'), kD(40, 'd'), kR(40, 'e');

std::string Line(const std::string& id, const std::string& addr, const std::string& flags,
                 const std::string& master, const std::string& slots) {
  return id + " " + addr + "@16379 " + flags + " " + master + " 0 0 1 connected" +
         (slots.empty() ? "" : " " + slots) + "\n";
}

// A node that answered with CLUSTER NODES `text` (its "myself" line names it).
NodeView Answering(const std::string& address, const std::string& text) {
  NodeView v;
  v.address = address;
  auto topo = Topology::ParseClusterNodes(text);
  EXPECT_TRUE(topo.ok()) << topo.status().ToString();
  v.topology = *topo;
  v.id = v.topology.Myself()->id;
  v.reachable = true;
  v.cluster_state_ok = false;
  return v;
}

NodeView Silent(const std::string& address, const std::string& error) {
  NodeView v;
  v.address = address;
  v.error = error;
  return v;
}

// The cluster text as seen by `self`, from lines where "SELF" marks the flags to prefix.
std::string As(const std::string& self, std::vector<std::string> lines) {
  std::string out;
  for (auto& l : lines) {
    if (l.compare(0, 40, self) == 0) {
      auto sp = l.find(' ', l.find(' ') + 1);
      l.insert(sp + 1, "myself,");
    }
    out += l;
  }
  return out;
}

// Three masters a, b, c (c at .3 owning 10923-16383); `c_flags` how the others flag c.
ClusterView ThreeMastersCLost(const std::string& c_flags = "master,fail",
                              NodeView c_view = Silent("10.0.0.3:6379", "connection refused")) {
  std::vector<std::string> lines = {Line(kA, "10.0.0.1:6379", "master", "-", "0-5460"),
                                    Line(kB, "10.0.0.2:6379", "master", "-", "5461-10922"),
                                    Line(kC, "10.0.0.3:6379", c_flags, "-", "10923-16383")};
  return BuildClusterView("10.0.0.1:6379",
                          {Answering("10.0.0.1:6379", As(kA, lines)),
                           Answering("10.0.0.2:6379", As(kB, lines)), std::move(c_view)});
}

TEST(DistributeSlots, AMasterWithoutSlotsTakesThemAll) {
  auto grants = DistributeSlots(SlotSet::Of({{10923, 16383}}),
                                {{kA, "a:1", 5461}, {kB, "b:1", 5461}, {kD, "d:1", 0}});
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_EQ(grants[0].master_id, kD);
  EXPECT_EQ(grants[0].slots, SlotSet::Of({{10923, 16383}}));
}

TEST(DistributeSlots, SeveralEmptyMastersShareEvenlyInContiguousRuns) {
  auto grants =
      DistributeSlots(SlotSet::Of({{0, 100}}), {{kD, "d:1", 0}, {kA, "a:1", 9000}, {kC, "c:1", 0}});
  ASSERT_EQ(grants.size(), 2u);
  EXPECT_EQ(grants[0].master_id, kC);  // ties by id
  EXPECT_EQ(grants[0].slots, SlotSet::Of({{0, 50}}));
  EXPECT_EQ(grants[1].master_id, kD);
  EXPECT_EQ(grants[1].slots, SlotSet::Of({{51, 100}}));
}

TEST(DistributeSlots, WithoutAnEmptyMasterTheEmptiestFillFirst) {
  auto grants = DistributeSlots(SlotSet::Of({{0, 999}, {5000, 5999}}),
                                {{kB, "b:1", 6000}, {kA, "a:1", 5000}});
  ASSERT_EQ(grants.size(), 2u);
  EXPECT_EQ(grants[0].master_id, kA);
  EXPECT_EQ(grants[0].slots.Count(), 1500);
  EXPECT_EQ(grants[0].slots, SlotSet::Of({{0, 999}, {5000, 5499}}));
  EXPECT_EQ(grants[1].master_id, kB);
  EXPECT_EQ(grants[1].slots, SlotSet::Of({{5500, 5999}}));
}

TEST(DistributeSlots, EverySlotGoesToExactlyOneMaster) {
  SlotSet slots = SlotSet::Of({{3, 3}, {100, 4000}, {9000, 9001}, {16383, 16383}});
  for (int masters = 1; masters <= 7; ++masters) {
    std::vector<MasterLoad> loads;
    for (int i = 0; i < masters; ++i)
      loads.push_back({std::string(40, static_cast<char>('a' + i)), "x:1", 100 * i + 1});
    auto grants = DistributeSlots(slots, loads);
    SlotSet seen;
    int total = 0;
    for (const auto& g : grants) {
      EXPECT_TRUE(g.slots.Intersect(seen).Empty()) << masters << " masters";
      seen.Merge(g.slots);
      total += g.slots.Count();
    }
    EXPECT_EQ(seen, slots) << masters << " masters";
    EXPECT_EQ(total, slots.Count());
  }
  EXPECT_TRUE(DistributeSlots(SlotSet(), {{kA, "a:1", 1}}).empty());
  EXPECT_TRUE(DistributeSlots(slots, {}).empty());
}

TEST(FindUncoveredSlots, AFailedMasterWithoutReplicaIsLost) {
  UncoveredSlots u = FindUncoveredSlots(ThreeMastersCLost());
  EXPECT_EQ(u.slots, SlotSet::Of({{10923, 16383}}));
  EXPECT_TRUE(u.unowned.Empty());
  ASSERT_EQ(u.owners.size(), 1u);
  EXPECT_EQ(u.owners[0].id, kC);
  EXPECT_TRUE(u.owners[0].marked_fail);
  EXPECT_FALSE(u.owners[0].answers);
  EXPECT_TRUE(u.owners[0].Gone());
  EXPECT_TRUE(u.owners[0].live_replicas.empty());
  EXPECT_EQ(u.LostForGood(), u.slots);
}

TEST(FindUncoveredSlots, AHealthyClusterHasNone) {
  auto view = ThreeMastersCLost(
      "master", Answering("10.0.0.3:6379",
                          As(kC, {Line(kA, "10.0.0.1:6379", "master", "-", "0-5460"),
                                  Line(kB, "10.0.0.2:6379", "master", "-", "5461-10922"),
                                  Line(kC, "10.0.0.3:6379", "master", "-", "10923-16383")})));
  EXPECT_TRUE(FindUncoveredSlots(view).empty());
  auto plan = PlanSlotCover(view);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->empty());
  EXPECT_TRUE(DescribeSlotCoverPlan(*plan).empty());
}

TEST(PlanSlotCover, TheLostMastersSlotsGoEmptyToTheLiveMastersAndItIsForgotten) {
  auto plan = PlanSlotCover(ThreeMastersCLost());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->grants.size(), 2u);
  EXPECT_EQ(plan->grants[0].master_id, kA);
  EXPECT_EQ(plan->grants[0].address, "10.0.0.1:6379");
  EXPECT_EQ(plan->grants[0].slots, SlotSet::Of({{10923, 13653}}));
  EXPECT_EQ(plan->grants[1].master_id, kB);
  EXPECT_EQ(plan->grants[1].slots, SlotSet::Of({{13654, 16383}}));
  ASSERT_EQ(plan->forget.size(), 1u);
  EXPECT_EQ(plan->forget[0].id, kC);
  EXPECT_EQ(plan->forget_on, (std::vector<std::string>{"10.0.0.1:6379", "10.0.0.2:6379"}));
  ASSERT_EQ(plan->slot_owners.size(), static_cast<size_t>(kSlotCount));
  for (int s = 0; s < kSlotCount; ++s)
    EXPECT_NE(plan->slot_owners[static_cast<size_t>(s)], kC) << s;
  EXPECT_EQ(plan->slot_owners[0], kA);
  EXPECT_EQ(plan->slot_owners[16383], kB);
}

TEST(PlanSlotCover, ThePodBackAsAnEmptyMasterTakesTheWholeShard) {
  // c's address answers as d (its pod came back with an empty data dir) and d joined.
  std::vector<std::string> lines = {Line(kA, "10.0.0.1:6379", "master", "-", "0-5460"),
                                    Line(kB, "10.0.0.2:6379", "master", "-", "5461-10922"),
                                    Line(kC, ":0", "master,fail,noaddr", "-", "10923-16383"),
                                    Line(kD, "10.0.0.3:6379", "master", "-", "")};
  auto view = BuildClusterView("10.0.0.1:6379", {Answering("10.0.0.1:6379", As(kA, lines)),
                                                 Answering("10.0.0.2:6379", As(kB, lines)),
                                                 Answering("10.0.0.3:6379", As(kD, lines))});
  auto plan = PlanSlotCover(view);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->grants.size(), 1u);
  EXPECT_EQ(plan->grants[0].master_id, kD);
  EXPECT_EQ(plan->grants[0].slots, SlotSet::Of({{10923, 16383}}));
  EXPECT_TRUE(plan->uncovered.owners[0].marked_noaddr);
  EXPECT_EQ(plan->forget_on.size(), 3u);
}

TEST(PlanSlotCover, AnAddressAnsweringAsAnotherNodeMeansReplaced) {
  auto view = ThreeMastersCLost(
      "master,fail", Silent("10.0.0.3:6379", "answers as " + kD + ", the seed expected " + kC));
  auto u = FindUncoveredSlots(view);
  ASSERT_EQ(u.owners.size(), 1u);
  EXPECT_EQ(u.owners[0].replaced_by, kD);
  EXPECT_NE(DescribeLostOwner(u.owners[0]).find("now answers as dddddddd"), std::string::npos)
      << DescribeLostOwner(u.owners[0]);
}

TEST(PlanSlotCover, SlotsNobodyClaimsAreCoveredWithoutForgetting) {
  std::vector<std::string> lines = {Line(kA, "10.0.0.1:6379", "master", "-", "0-5460"),
                                    Line(kB, "10.0.0.2:6379", "master", "-", "5461-10922")};
  auto view = BuildClusterView("10.0.0.1:6379", {Answering("10.0.0.1:6379", As(kA, lines)),
                                                 Answering("10.0.0.2:6379", As(kB, lines))});
  auto plan = PlanSlotCover(view);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->uncovered.unowned, SlotSet::Of({{10923, 16383}}));
  EXPECT_TRUE(plan->forget.empty());
  EXPECT_EQ(plan->grants.size(), 2u);
  auto text = DescribeSlotCoverPlan(*plan);
  ASSERT_GE(text.size(), 2u);
  EXPECT_EQ(text[1], "  10923-16383 (5461 slots) belong to no node at all");
}

TEST(PlanSlotCover, RefusesWhileASlotIsOpen) {
  std::vector<std::string> lines = {
      Line(kA, "10.0.0.1:6379", "master", "-", "0-5460 [7->-" + kB + "]"),
      Line(kB, "10.0.0.2:6379", "master", "-", "5461-10922"),
      Line(kC, "10.0.0.3:6379", "master,fail", "-", "10923-16383")};
  auto view = BuildClusterView(
      "10.0.0.1:6379", {Answering("10.0.0.1:6379", As(kA, lines)),
                        Answering("10.0.0.2:6379", As(kB, lines)), Silent("10.0.0.3:6379", "x")});
  auto plan = PlanSlotCover(view);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(plan.status().message().find("1 slot(s) are open (MIGRATING/IMPORTING), and not by a "
                                         "migration with the lost master: "
                                         "7"),
            std::string::npos)
      << plan.status().message();
  EXPECT_NE(plan.status().message().find("rebalance --seed 10.0.0.1:6379"), std::string::npos);
}

// c died for good while b imported its slot 11000 and a migrated its slot 7
// to it: nothing but forgetting c closes those two, so they do not stop the cover.
ClusterView MigrationsWithTheLostMaster() {
  auto line = [](const std::string& self, const std::string& id, const std::string& addr,
                 const std::string& flags, const std::string& slots, const std::string& open) {
    return Line(id, addr, flags, "-", slots + (self == id ? open : ""));
  };
  auto text = [&](const std::string& self) {
    return As(self,
              {line(self, kA, "10.0.0.1:6379", "master", "0-5460", " [7->-" + kC + "]"),
               line(self, kB, "10.0.0.2:6379", "master", "5461-10922", " [11000-<-" + kC + "]"),
               line(self, kC, "10.0.0.3:6379", "master,fail", "10923-16383", "")});
  };
  return BuildClusterView(
      "10.0.0.1:6379", {Answering("10.0.0.1:6379", text(kA)), Answering("10.0.0.2:6379", text(kB)),
                        Silent("10.0.0.3:6379", "connection refused")});
}

TEST(PlanSlotCover, ASlotImportedFromTheLostMasterGoesToItsImporterWithItsKeys) {
  ClusterView view = MigrationsWithTheLostMaster();
  ASSERT_EQ(view.open_slots.size(), 2u);
  auto plan = PlanSlotCover(view);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->kept_by_importers, SlotSet::Of({{11000, 11000}}));
  EXPECT_EQ(plan->moved_to_lost, SlotSet::Of({{7, 7}}));
  SlotSet granted;
  for (const auto& g : plan->grants) {
    EXPECT_TRUE(g.slots.Intersect(granted).Empty());
    granted.Merge(g.slots);
  }
  EXPECT_EQ(granted, SlotSet::Of({{10923, 16383}}));
  EXPECT_EQ(plan->slot_owners[11000], kB);
  EXPECT_EQ(plan->slot_owners[7], kA);  // a keeps its own slot
  // b counts 11000 as its own already, so the rest still ends even.
  int a = 0, b = 0;
  for (const auto& owner : plan->slot_owners) (owner == kA ? a : b) += owner == kA || owner == kB;
  EXPECT_LE(std::abs(a - b), 1) << a << " vs " << b;
  ASSERT_EQ(plan->forget.size(), 1u);
  EXPECT_EQ(plan->forget[0].id, kC);
  auto text = DescribeSlotCoverPlan(*plan);
  auto has = [&](const std::string& what) {
    return std::any_of(text.begin(), text.end(),
                       [&](const std::string& l) { return l.find(what) != std::string::npos; });
  };
  EXPECT_TRUE(
      has("except 11000 (1 slot): a live master was importing them from their lost "
          "owner and keeps the keys already moved to it"));
  EXPECT_TRUE(has("Also lost: the keys of 7 (1 slot) that their live owner had already moved"));
}

TEST(PlanSlotCover, RefusesWhileASlotIsOpenBetweenLiveNodesBesidesOnesWithTheLostMaster) {
  ClusterView view = MigrationsWithTheLostMaster();
  std::vector<std::string> lines = {
      Line(kA, "10.0.0.1:6379", "master", "-", "0-5460 [7->-" + kC + "] [8->-" + kB + "]"),
      Line(kB, "10.0.0.2:6379", "master", "-", "5461-10922"),
      Line(kC, "10.0.0.3:6379", "master,fail", "-", "10923-16383")};
  view = BuildClusterView("10.0.0.1:6379", {Answering("10.0.0.1:6379", As(kA, lines)),
                                            Answering("10.0.0.2:6379", As(kB, lines)),
                                            Silent("10.0.0.3:6379", "connection refused")});
  auto plan = PlanSlotCover(view);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("1 slot(s) are open (MIGRATING/IMPORTING), and not by a "
                                         "migration with the lost master: "
                                         "8"),
            std::string::npos)
      << plan.status().message();
}

TEST(PlanSlotCover, RefusesWhileTheFailedOwnerStillAnswers) {
  std::vector<std::string> lines = {Line(kA, "10.0.0.1:6379", "master", "-", "0-5460"),
                                    Line(kB, "10.0.0.2:6379", "master", "-", "5461-10922"),
                                    Line(kC, "10.0.0.3:6379", "master,fail", "-", "10923-16383")};
  auto plan =
      PlanSlotCover(ThreeMastersCLost("master,fail", Answering("10.0.0.3:6379", As(kC, lines))));
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("master cccccccc (10.0.0.3:6379), marked failed still "
                                         "answers under its own id: it is not lost"),
            std::string::npos)
      << plan.status().message();
}

TEST(PlanSlotCover, RefusesWhenAReplicaOfTheLostMasterAnswers) {
  std::vector<std::string> lines = {Line(kA, "10.0.0.1:6379", "master", "-", "0-5460"),
                                    Line(kB, "10.0.0.2:6379", "master", "-", "5461-10922"),
                                    Line(kC, "10.0.0.3:6379", "master,fail", "-", "10923-16383"),
                                    Line(kR, "10.0.0.5:6379", "slave", kC, "")};
  auto view = BuildClusterView(
      "10.0.0.1:6379",
      {Answering("10.0.0.1:6379", As(kA, lines)), Answering("10.0.0.2:6379", As(kB, lines)),
       Silent("10.0.0.3:6379", "refused"), Answering("10.0.0.5:6379", As(kR, lines))});
  auto u = FindUncoveredSlots(view);
  ASSERT_EQ(u.owners.size(), 1u);
  EXPECT_EQ(u.owners[0].live_replicas, std::vector<std::string>{"10.0.0.5:6379"});
  EXPECT_TRUE(u.LostForGood().Empty());
  auto plan = PlanSlotCover(view);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("has a replica that answers (10.0.0.5:6379)"),
            std::string::npos)
      << plan.status().message();
  EXPECT_NE(plan.status().message().find("redis-cli -h 10.0.0.5 -p 6379 CLUSTER FAILOVER FORCE"),
            std::string::npos);
}

TEST(PlanSlotCover, RefusesBeforeTheClusterMarksTheOwnerFailed) {
  auto plan = PlanSlotCover(ThreeMastersCLost("master,fail?"));
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("has not marked it failed yet (only suspected: fail?)"),
            std::string::npos)
      << plan.status().message();
}

TEST(PlanSlotCover, RefusesWhenALiveNodeClaimsTheSlotsItself) {
  std::vector<std::string> seed = {Line(kA, "10.0.0.1:6379", "master", "-", "0-5460"),
                                   Line(kB, "10.0.0.2:6379", "master", "-", "5461-10922"),
                                   Line(kC, "10.0.0.3:6379", "master,fail", "-", "10923-16383")};
  // b already heard of a claim on slot 16000 the seed has not.
  std::vector<std::string> b = {
      Line(kA, "10.0.0.1:6379", "master", "-", "0-5460"),
      Line(kB, "10.0.0.2:6379", "master", "-", "5461-10922 16000"),
      Line(kC, "10.0.0.3:6379", "master,fail", "-", "10923-15999 16001-16383")};
  auto view = BuildClusterView(
      "10.0.0.1:6379", {Answering("10.0.0.1:6379", As(kA, seed)),
                        Answering("10.0.0.2:6379", As(kB, b)), Silent("10.0.0.3:6379", "x")});
  auto plan = PlanSlotCover(view);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("node 10.0.0.2:6379 claims slots 16000 (1 slot)"),
            std::string::npos)
      << plan.status().message();
}

TEST(PlanSlotCover, RefusesWithNoLiveMaster) {
  // The only node that answers is a replica (of a master without slots).
  std::vector<std::string> lines = {Line(kA, "10.0.0.1:6379", "slave", kB, ""),
                                    Line(kC, "10.0.0.3:6379", "master,fail", "-", "0-16383"),
                                    Line(kB, "10.0.0.2:6379", "master,fail", "-", "")};
  auto view = BuildClusterView(
      "10.0.0.1:6379", {Answering("10.0.0.1:6379", As(kA, lines)), Silent("10.0.0.2:6379", "x"),
                        Silent("10.0.0.3:6379", "x")});
  auto plan = PlanSlotCover(view);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("no live master answers to take 0-16383 (16384 slots)"),
            std::string::npos)
      << plan.status().message();
}

TEST(DescribeSlotCoverPlan, SaysWhatIsLostWhoseItWasAndWhereTheSlotsGo) {
  auto plan = PlanSlotCover(ThreeMastersCLost());
  ASSERT_TRUE(plan.ok());
  auto text = DescribeSlotCoverPlan(*plan);
  std::vector<std::string> want = {
      "5461 slot(s) are served by no live master:",
      "  10923-16383 (5461 slots) belonged to master cccccccc (10.0.0.3:6379), marked failed, "
      "with no replica to take over",
      "The keys that were in these slots are lost for good: covering them serves the slots "
      "again, EMPTY.",
      "  10923-13653 (2731 slots) -> master aaaaaaaa (10.0.0.1:6379)",
      "  13654-16383 (2730 slots) -> master bbbbbbbb (10.0.0.2:6379)",
  };
  EXPECT_EQ(text, want);
}

TEST(CoverSlotsHint, NamesTheLostSlotsTheirOwnerAndTheCommand) {
  std::string hint = CoverSlotsHint(ThreeMastersCLost());
  EXPECT_EQ(hint,
            "slots 10923-16383 (5461 slots) are served by no live master and no replica can take "
            "them over (master cccccccc (10.0.0.3:6379), marked failed): their keys are lost. To "
            "serve them again, empty, see the plan with `redis-cluster-agent cover-slots --seed "
            "10.0.0.1:6379 --dry-run`, then run it with --accept-data-loss instead of --dry-run");
}

TEST(CoverSlotsHint, SaysNothingWhileTheSlotsMayStillComeBackOrAreServed) {
  // Not marked failed yet: a failover or the master's return may still come.
  EXPECT_EQ(CoverSlotsHint(ThreeMastersCLost("master,fail?")), "");
  std::vector<std::string> lines = {Line(kA, "10.0.0.1:6379", "master", "-", "0-5460"),
                                    Line(kB, "10.0.0.2:6379", "master", "-", "5461-16383")};
  auto healthy = BuildClusterView("10.0.0.1:6379", {Answering("10.0.0.1:6379", As(kA, lines)),
                                                    Answering("10.0.0.2:6379", As(kB, lines))});
  EXPECT_EQ(CoverSlotsHint(healthy), "");
}

TEST(DescribeSlots, LongListsAreCut) {
  SlotSet odd;
  for (int s = 1; s < 400; s += 2) odd.Add(s);
  std::string d = DescribeSlots(odd, 20);
  EXPECT_EQ(d, "1,3,5,7,9,11,13,15,... (200 slots)");
  EXPECT_EQ(DescribeSlots(SlotSet::Of({{5, 5}})), "5 (1 slot)");
}

}  // namespace
}  // namespace rc::engine
