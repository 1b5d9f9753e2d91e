// MigrationEngine::Execute: runs a plan on worker threads, one unit of work
// per (source, target, group of slots), with progress reports.
#include "agent/engine/migration_engine.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "agent/engine/move_scheduler.h"
#include "agent/engine/slot_mover.h"
#include "common/log.h"
#include "common/slot_hash.h"

namespace rc::engine {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::string FormatProgress(const MigrationProgress& p) {
  const int percent =
      p.slots_total > 0 ? static_cast<int>(100.0 * p.slots_done / p.slots_total) : 100;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%d%% (%d/%d slots), %lld keys moved, %.0f keys/s, %.1f s",
                percent, p.slots_done, p.slots_total, p.keys_moved, p.keys_per_second,
                p.elapsed_seconds);
  std::string out = buf;
  if (p.final) return out + ", done";
  if (p.eta_seconds >= 0) {
    std::snprintf(buf, sizeof buf, ", %.0f s left", p.eta_seconds);
    out += buf;
  }
  return out;
}

void LoggingProgressListener::OnProgress(const MigrationProgress& progress) {
  RC_LOG_INFO << what_ << ": " << FormatProgress(progress);
}

void MakeFast(EngineOptions* options) {
  options->batch_keys = 100;
  options->batch_bytes = 256 << 10;
  options->pace_percent = 100;
  options->units_per_source = options->workers;
  options->units_per_target = options->workers;
}

MigrationEngine::MigrationEngine(RedisConnector& connector, EngineOptions options)
    : connector_(connector), options_(std::move(options)) {}

Status WaitForSlotMap(RedisClient& client, const std::vector<std::string>& owners,
                      std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::string last = "no answer yet";
  while (true) {
    auto replies = client.Pipeline({{"CLUSTER", "INFO"}, {"CLUSTER", "NODES"}});
    if (replies.ok()) {
      bool state_ok = (*replies)[0].str.find("cluster_state:ok") != std::string::npos;
      auto topo = Topology::ParseClusterNodes((*replies)[1].str);
      if (!state_ok) {
        last = "cluster_state is not ok";
      } else if (!topo.ok()) {
        last = topo.status().ToString();
      } else {
        auto seen = topo->SlotOwners();
        int differ = 0;
        for (int s = 0; s < kSlotCount; ++s) {
          const auto& want = owners[static_cast<size_t>(s)];
          if (!want.empty() && seen[static_cast<size_t>(s)] != want) ++differ;
        }
        if (differ == 0) return Status::Ok();
        last = std::to_string(differ) + " slot(s) still mapped to other owners";
      }
    } else {
      last = replies.status().ToString();
    }
    if (Clock::now() >= deadline)
      return Timeout("node " + client.address() + " did not learn the slot map within " +
                     std::to_string(timeout.count()) + " ms: " + last);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Result<MigrationReport> MigrationEngine::Execute(const ClusterView& view, const MigrationPlan& plan,
                                                 ProgressListener* listener) {
  MigrationReport report;
  report.slots_planned = static_cast<int>(plan.moves.size());
  if (plan.moves.empty()) return report;
  const auto start = Clock::now();

  std::map<std::string, MasterAddress> masters;
  for (const ClusterNode* m : view.Masters())
    if (!m->IsFailed() && view.FindNode(m->id)) masters[m->id] = {m->id, m->ip, m->port};
  for (const auto& mv : plan.moves) {
    if (!masters.count(mv.from_id) || !masters.count(mv.to_id))
      return FailedPrecondition("plan moves slot " + std::to_string(mv.slot) +
                                " between masters that are not reachable: " + mv.from_id + " -> " +
                                mv.to_id);
  }

  // A target must know the whole slot map before it imports anything.
  const auto owners = view.topology.SlotOwners();
  std::vector<std::string> targets;
  for (const auto& mv : plan.moves)
    if (std::find(targets.begin(), targets.end(), mv.to_id) == targets.end())
      targets.push_back(mv.to_id);
  for (const auto& id : targets) {
    auto client = connector_.Connect(masters[id].host, masters[id].port);
    if (!client.ok()) return client.status().WithContext("target " + masters[id].Address());
    RC_RETURN_IF_ERROR(
        WaitForSlotMap(**client, owners, std::chrono::milliseconds(options_.gossip_wait_ms)));
  }

  // Which slots go next, and how many at once: move_scheduler.h.
  ScheduleOptions schedule;
  schedule.slots_in_flight = options_.slots_in_flight;
  schedule.introduce_slots = options_.introduce_slots;
  schedule.introduce_gap = std::chrono::milliseconds(options_.introduce_gap_ms);
  schedule.introduce_hold = std::chrono::milliseconds(options_.introduce_hold_ms);
  schedule.ramp_ratio = options_.ramp_ratio;
  schedule.units_per_source = options_.units_per_source;
  schedule.units_per_target = options_.units_per_target;
  MoveScheduler scheduler(view.topology, plan, schedule);

  std::vector<long long> planned_keys(kSlotCount, -1);  // -1: not counted
  for (const auto& mv : plan.moves) planned_keys[static_cast<size_t>(mv.slot)] = mv.keys;
  std::vector<MasterAddress> all_masters;
  for (const auto& [id, m] : masters) all_masters.push_back(m);
  // No target may bump into a source's epoch (RaiseEpochAbove, slot_mover.cc).
  MoveShared shared;
  shared.last_change = Clock::now();  // the first claims wait for a gap too
  for (const auto& node : view.topology.nodes())
    shared.epoch_floor = std::max(shared.epoch_floor, static_cast<long long>(node.config_epoch));
  std::atomic<int> slots_done{0};
  std::atomic<long long> keys_moved{0};
  std::mutex mu;  // guards scheduler, report, node_gone, running
  std::condition_variable cv;
  bool node_gone = false;  // some master could not be reached
  const int worker_count = std::max(1, options_.workers);
  int running = worker_count;
  std::vector<std::thread> threads;
  for (int w = 0; w < worker_count; ++w) {
    threads.emplace_back([&] {
      ConnectionCache connections(connector_);
      SlotGroupMover mover(connections, options_, all_masters, shared);
      std::unique_lock<std::mutex> lock(mu);
      while (!stop_.load()) {
        MoveUnit unit;
        Clock::time_point retry_at;
        const auto step = scheduler.Next(Clock::now(), &unit, &retry_at);
        if (step == MoveScheduler::Step::kDone) break;
        if (step == MoveScheduler::Step::kWait) {
          if (retry_at == Clock::time_point::max()) {
            cv.wait(lock);
          } else {
            cv.wait_until(lock, retry_at);
          }
          continue;
        }
        lock.unlock();
        GroupResult r;
        const MasterAddress& from = masters[unit.from_id];
        const MasterAddress& to = masters[unit.to_id];
        // Slots the plan counted more keys in than one MIGRATE takes cannot
        // move whole: not offered (the script would only refuse them).
        std::vector<int> whole, rest;
        for (int slot : unit.slots)
          (options_.whole_slots && planned_keys[static_cast<size_t>(slot)] <= options_.batch_keys
               ? whole
               : rest)
              .push_back(slot);
        if (!whole.empty()) {
          auto refused = mover.MoveWhole(from, to, whole, &keys_moved, unit.claim_now, &r);
          rest.insert(rest.end(), refused.begin(), refused.end());
          std::sort(rest.begin(), rest.end());
        }
        if (!rest.empty()) r.Add(mover.Move(from, to, rest, &keys_moved, unit.claim_now));
        slots_done += r.slots_moved;
        lock.lock();
        scheduler.Done(unit, r.slots_moved, Clock::now());
        report.slots_moved += r.slots_moved;
        for (auto& e : r.errors) report.errors.push_back(std::move(e));
        if (!r.unreachable_id.empty() || !r.untold.empty()) node_gone = true;
        if (!r.unreachable_id.empty()) {
          const std::vector<int> skipped = scheduler.Drop(r.unreachable_id);
          const std::string down = masters[r.unreachable_id].Address();
          for (int s : skipped)
            report.errors.push_back("slot " + std::to_string(s) + ": skipped, " + down +
                                    " is unreachable");
          if (!skipped.empty())
            RC_LOG_WARNING << "node " << r.unreachable_id.substr(0, 8) << " (" << down
                           << ") is unreachable; skipping its remaining " << skipped.size()
                           << " slot(s) (rerun after it is back or failed over)";
        }
        cv.notify_all();
      }
      --running;
      cv.notify_all();
    });
  }
  auto snapshot = [&](bool final) {
    MigrationProgress p;
    p.slots_total = report.slots_planned;
    p.slots_done = slots_done.load();
    p.keys_moved = keys_moved.load();
    p.elapsed_seconds = Seconds(Clock::now() - start);
    p.keys_per_second = p.elapsed_seconds > 0 ? p.keys_moved / p.elapsed_seconds : 0;
    if (p.slots_done > 0)
      p.eta_seconds = p.elapsed_seconds * (p.slots_total - p.slots_done) / p.slots_done;
    p.final = final;
    return p;
  };
  // Once a node of some pair went away (a source master killed mid-move),
  // look every second for targets left importing from it after its replica
  // took over: they stay cluster_state:fail, and every MIGRATE into them
  // fails with CLUSTERDOWN, until pointed at the new owner.
  const auto tick = std::min<Clock::duration>(options_.progress_interval, std::chrono::seconds(1));
  auto next_progress = Clock::now() + options_.progress_interval;
  {
    std::unique_lock<std::mutex> lock(mu);
    while (running > 0) {
      if (cv.wait_for(lock, tick, [&] { return running == 0; })) break;
      const bool someone_gone = node_gone;
      lock.unlock();
      if (someone_gone) {
        auto now_view = ObserveCluster(connector_, view.seed);
        if (now_view.ok()) {
          Status repaired = RepairStaleImports(FindStaleImports(*now_view));
          if (!repaired.ok())
            RC_LOG_WARNING << "repairing imports from a failed-over master: "
                           << repaired.ToString();
        }
      }
      if (listener && Clock::now() >= next_progress) {
        listener->OnProgress(snapshot(false));
        next_progress = Clock::now() + options_.progress_interval;
      }
      lock.lock();
    }
  }
  for (auto& t : threads) t.join();
  {
    // Slots whose claims wait for the next batch (claim_gap_ms): claimed now.
    ConnectionCache connections(connector_);
    SlotGroupMover mover(connections, options_, all_masters, shared);
    GroupResult last;
    mover.FlushClaims(/*force=*/true, &last);
    slots_done += last.slots_moved;
    report.slots_moved += last.slots_moved;
    for (auto& e : last.errors) report.errors.push_back(std::move(e));
  }
  if (stop_.load() && scheduler.SlotsLeft() > 0)
    report.errors.push_back("stopped on request before all slots were moved");
  report.keys_moved = keys_moved.load();
  report.elapsed_seconds = Seconds(Clock::now() - start);
  if (listener) listener->OnProgress(snapshot(true));
  return report;
}

}  // namespace rc::engine
