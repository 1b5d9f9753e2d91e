// Carries out one planned Action against the redis nodes (CLUSTER ADDSLOTS,
// MEET, FORGET, REPLICATE, RESET) and the migration engine (open slots,
// drains, rebalances). Commands stay within what redis 5.0 has (ADDSLOTS, not
// ADDSLOTSRANGE; MEET with two arguments).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/engine/migration_engine.h"
#include "agent/reconcile/action.h"
#include "common/redis_client.h"

namespace rc::agent {

struct ActionOutcome {
  int slots_moved = 0;
  long long keys_moved = 0;
  std::string summary;  // one line for the log: what was done
  // A drain / rebalance whose engine found nothing to move (and no open slot
  // to close) on its own fresh look: the planner's view was behind gossip.
  bool nothing_to_do = false;
};

class Actuator {
 public:
  // Both must outlive the actuator.
  Actuator(RedisConnector& connector, engine::MigrationEngine& engine)
      : connector_(connector), engine_(engine) {}

  // Does the action; an error names the node and the command that failed.
  Result<ActionOutcome> Execute(const Action& action, engine::ProgressListener* listener);

 private:
  // One overload per kind of action (std::visit picks it).
  Result<ActionOutcome> Do(const NothingToDo&, engine::ProgressListener*);
  Result<ActionOutcome> Do(const Wait&, engine::ProgressListener*);
  Result<ActionOutcome> Do(const Bootstrap& bootstrap, engine::ProgressListener*);
  Result<ActionOutcome> Do(const FixOpenSlots& fix, engine::ProgressListener*);
  Result<ActionOutcome> Do(const Meet& meet, engine::ProgressListener*);
  Result<ActionOutcome> Do(const Forget& forget, engine::ProgressListener*);
  Result<ActionOutcome> Do(const PromoteReplica& promote, engine::ProgressListener*);
  Result<ActionOutcome> Do(const DrainLeaving& drain, engine::ProgressListener* listener);
  Result<ActionOutcome> Do(const RemoveLeaving& remove, engine::ProgressListener*);
  Result<ActionOutcome> Do(const AssignReplicas& assign, engine::ProgressListener*);
  Result<ActionOutcome> Do(const Rebalance& rebalance, engine::ProgressListener* listener);

  Status MeetThrough(const std::string& seed, const std::vector<PodInfo>& pods);
  // CLUSTER FORGET of `nodes` on every address of `forget_on`, after a
  // CLUSTER RESET HARD of each of them when `reset_first`.
  Result<ActionOutcome> ForgetEverywhere(const std::vector<NodeRef>& nodes,
                                         const std::vector<std::string>& forget_on,
                                         bool reset_first);
  Result<ActionOutcome> Migrate(const std::string& seed,
                                const std::map<std::string, double>& weights,
                                engine::ProgressListener* listener);

  RedisConnector& connector_;
  engine::MigrationEngine& engine_;
};

}  // namespace rc::agent
