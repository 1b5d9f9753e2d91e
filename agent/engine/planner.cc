#include "agent/engine/planner.h"

namespace rc::engine {

long long MigrationPlan::KnownKeys() const { return 0; }
std::string MigrationPlan::Summary() const { return ""; }
Result<std::vector<MasterTarget>> ComputeTargets(const Topology&, const PlanOptions&) {
  return Internal("not implemented yet");
}
bool IsBalanced(const Topology&, const PlanOptions&) { return false; }
Result<MigrationPlan> PlanRebalance(const ClusterView&, const PlanOptions&) {
  return Internal("not implemented yet");
}
Result<MigrationPlan> PlanRebalance(const Topology&, const PlanOptions&, const std::vector<long long>&) {
  return Internal("not implemented yet");
}
Result<MigrationPlan> PlanDrain(const ClusterView&, const std::string&, const PlanOptions&) {
  return Internal("not implemented yet");
}
Result<MigrationPlan> PlanDrain(const Topology&, const std::string&, const PlanOptions&,
                                const std::vector<long long>&) {
  return Internal("not implemented yet");
}

}  // namespace rc::engine
