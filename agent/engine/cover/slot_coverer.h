// The network half of `redis-cluster-agent cover-slots`: observe the cluster,
// plan (PlanSlotCover, pure), and carry the plan out: CLUSTER FORGET of the
// lost masters on every node that answers, CLUSTER ADDSLOTSRANGE (ADDSLOTS on
// redis < 7) and CLUSTER BUMPEPOCH on each receiving master, then wait until
// every node reports cluster_state:ok and maps every slot to its owner.
//
// The keys of the covered slots are gone: the slots are served again empty.
// Callers must have the user's explicit consent before ExecuteSlotCover.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "agent/engine/cover/slot_cover_plan.h"
#include "common/redis_client.h"
#include "common/status.h"

namespace rc::engine {

// Observes the cluster from `seed` and plans. Errors: the seed cannot be read
// (kUnavailable...), or the plan is refused (kFailedPrecondition, see PlanSlotCover).
Result<SlotCoverPlan> ObserveAndPlanSlotCover(RedisConnector& connector, const std::string& seed);

struct SlotCoverOptions {
  // How long every node may take to report cluster_state:ok with every slot
  // mapped to its new owner.
  std::chrono::milliseconds settle_timeout{60000};
};

// One line per step done, as it is done ("forgot ...", "gave ...").
using SayFn = std::function<void(const std::string&)>;

// Carries `plan` out (see the file comment). A node that cannot be reached to
// FORGET is reported through `say` and skipped; an error reply (e.g. "Slot N
// is already busy": another node claimed it meanwhile) stops with an error
// naming the node and command. kTimeout when the nodes do not settle in time.
Status ExecuteSlotCover(RedisConnector& connector, const SlotCoverPlan& plan,
                        const SlotCoverOptions& options, const SayFn& say);

}  // namespace rc::engine
