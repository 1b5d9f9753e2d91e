// Carries out one planned Action against the redis nodes (CLUSTER ADDSLOTS,
// MEET, FORGET, REPLICATE, RESET) and the migration engine (open slots,
// drains, rebalances). Commands stay within what redis 5.0 has (ADDSLOTS, not
// ADDSLOTSRANGE; MEET with two arguments).
#pragma once

#include <string>

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
  Result<ActionOutcome> Bootstrap(const Action& action);
  Status Meet(const std::string& seed, const std::vector<PodInfo>& pods);
  Result<ActionOutcome> Forget(const Action& action, bool reset_first);
  Result<ActionOutcome> AssignReplicas(const Action& action);
  Result<ActionOutcome> Migrate(const Action& action, engine::ProgressListener* listener);

  RedisConnector& connector_;
  engine::MigrationEngine& engine_;
};

}  // namespace rc::agent
