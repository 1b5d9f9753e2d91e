// MigrationEngine's one-shot runs: observe, fix open slots, wait for the
// nodes to agree, plan, execute, verify. What `rebalance` and `drain` (and
// the agent's scale-out / scale-in) call.
#include <thread>

#include "agent/engine/migration_engine.h"
#include "agent/engine/stale_imports.h"
#include "common/log.h"

namespace rc::engine {
namespace {

using Clock = std::chrono::steady_clock;

bool Settled(const ClusterView& v) {
  return v.open_slots.empty() && v.owners_agree && v.uncovered.Empty() &&
         v.UnreachableMastersWithSlots().empty();
}

}  // namespace

Result<ClusterView> MigrationEngine::ObserveAndSettle(const std::string& seed, FixReport* fix) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(options_.converge_wait_ms);
  int fixes = 0;
  auto next_fix = Clock::now();  // a pass that fixed nothing waits 1 s for the next
  bool logged_wait = false;
  std::string logged_down;  // the last cause logged for a master saying cluster_state:fail
  while (true) {
    auto view = ObserveCluster(connector_, seed);
    if (!view.ok()) return view.status();
    // A master that says cluster_state:fail refuses MIGRATE (CLUSTERDOWN):
    // give the cluster time to recover (e.g. a failover) before fixing;
    // unless it is down only because it imports slots from a master that was
    // failed over (it would never recover by itself: FixOpenSlots repairs it).
    const std::vector<StaleImport> stale = FindStaleImports(*view);
    std::string down;
    for (const auto& n : view->nodes) {
      if (!n.reachable || !n.Myself() || !n.Myself()->IsMaster() || n.cluster_state_ok) continue;
      if (DownOnlyByStaleImports(n, stale)) continue;
      const std::string why = DownSlotsOf(n.topology).Describe();
      if (why != logged_down) {
        RC_LOG_INFO << "master " << n.address
                    << " reports cluster_state:fail; waiting for it to recover (in its view: "
                    << why << ")";
        logged_down = why;
      }
      down = n.address;
    }
    if (!down.empty() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (!view->open_slots.empty() && fixes < 20 && Clock::now() >= next_fix) {
      RC_LOG_INFO << "found " << view->open_slots.size()
                  << " open slot(s) left by an earlier run; closing them first";
      FixReport pass;
      RC_RETURN_IF_ERROR(FixOpenSlots(*view, &pass));
      if (fix) {
        fix->slots_fixed += pass.slots_fixed;
        fix->keys_moved += pass.keys_moved;
        fix->actions.insert(fix->actions.end(), pass.actions.begin(), pass.actions.end());
      }
      // Passes that only skip slots (their owner awaits its failover) change
      // nothing; they are not counted, so a fix still runs once the failover is done.
      if (pass.slots_fixed > 0) {
        ++fixes;
        continue;  // look again at once
      }
      next_fix = Clock::now() + std::chrono::seconds(1);
    }
    if (Settled(*view) || Clock::now() >= deadline) {
      ObserveOptions counted;
      counted.count_keys_per_slot = true;
      return ObserveCluster(connector_, seed, counted);
    }
    if (!logged_wait) {
      RC_LOG_INFO << "waiting up to " << options_.converge_wait_ms
                  << " ms for the nodes to agree: " << view->ProblemsText();
      logged_wait = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

namespace {

using Planner = std::function<Result<MigrationPlan>(const ClusterView&)>;

}  // namespace

static Result<RunOutcome> RunPlanned(MigrationEngine& engine, const std::string& seed,
                                     const PlanOptions& options, bool dry_run,
                                     ProgressListener* listener, const std::string& what,
                                     const Planner& plan_for,
                                     const std::function<bool(const ClusterView&)>& done) {
  RunOutcome outcome;
  const auto start = Clock::now();
  auto since = [&start] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  };
  auto view = engine.ObserveAndSettle(seed, &outcome.fix);
  RC_VLOG(1) << what << ": observed and settled at " << since() << " ms";
  if (!view.ok()) return view.status();
  outcome.before = *view;
  auto plan = plan_for(*view);
  if (!plan.ok()) return plan.status();
  outcome.plan = *plan;
  // An empty plan is no news (the callers report their own outcome).
  if (plan->empty()) {
    RC_VLOG(1) << what << ": " << plan->Summary();
  } else {
    RC_LOG_INFO << what << ": " << plan->Summary();
  }
  if (dry_run) {
    outcome.balanced_after = plan->empty() && done(*view);
    return outcome;
  }
  if (!plan->empty()) {
    auto report = engine.Execute(*view, *plan, listener);
    if (!report.ok()) return report.status();
    outcome.report = *report;
  }
  // Close anything a failure left open and check the result.
  RC_VLOG(1) << what << ": executed at " << since() << " ms";
  FixReport after_fix;
  auto after = engine.ObserveAndSettle(seed, &after_fix);
  if (!after.ok()) return after.status();
  RC_VLOG(1) << what << ": verified at " << since() << " ms";
  outcome.balanced_after = after->Consistent() && done(*after);
  if (!outcome.report.errors.empty()) {
    std::string msg = what + ": " + std::to_string(outcome.report.errors.size()) +
                      " slot(s) failed; first: " + outcome.report.errors.front() +
                      ". Rerun to finish (open slots are closed first).";
    return Status(ErrorCode::kUnavailable, msg);
  }
  if (!after->Consistent())
    return FailedPrecondition(
        what + " finished but the cluster is not consistent: " + after->ProblemsText());
  if (!outcome.balanced_after)
    return FailedPrecondition(what + " finished but the cluster is not balanced yet");
  (void)options;
  return outcome;
}

Result<RunOutcome> MigrationEngine::Rebalance(const std::string& seed, const PlanOptions& options,
                                              bool dry_run, ProgressListener* listener) {
  return RunPlanned(
      *this, seed, options, dry_run, listener, "rebalance",
      [&](const ClusterView& v) { return PlanRebalance(v, options); },
      [&](const ClusterView& v) { return IsBalanced(v.topology, options); });
}

Result<RunOutcome> MigrationEngine::Drain(const std::string& seed, const std::string& node,
                                          const PlanOptions& options, bool dry_run,
                                          ProgressListener* listener) {
  std::string node_id;
  return RunPlanned(
      *this, seed, options, dry_run, listener, "drain",
      [&](const ClusterView& v) -> Result<MigrationPlan> {
        auto id = ResolveNode(v, node);
        if (!id.ok()) return id.status();
        node_id = *id;
        return PlanDrain(v, node_id, options);
      },
      [&](const ClusterView& v) {
        const ClusterNode* n = v.topology.FindById(node_id);
        return n && n->slots.Empty();
      });
}

}  // namespace rc::engine
