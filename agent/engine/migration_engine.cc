#include "agent/engine/migration_engine.h"

#include "common/log.h"

namespace rc::engine {

std::string FormatProgress(const MigrationProgress& p) {
  return std::to_string(p.slots_done) + "/" + std::to_string(p.slots_total) + " slots";
}
void LoggingProgressListener::OnProgress(const MigrationProgress& p) {
  RC_LOG_INFO << what_ << ": " << FormatProgress(p);
}
MigrationEngine::MigrationEngine(RedisConnector& connector, EngineOptions options)
    : connector_(connector), options_(std::move(options)) {}
Status MigrationEngine::FixOpenSlots(const ClusterView&, FixReport*) {
  return Internal("not implemented yet");
}
Result<MigrationReport> MigrationEngine::Execute(const ClusterView&, const MigrationPlan&,
                                                 ProgressListener*) {
  return Internal("not implemented yet");
}
Result<RunOutcome> MigrationEngine::Rebalance(const std::string&, const PlanOptions&, bool,
                                              ProgressListener*) {
  return Internal("not implemented yet");
}
Result<RunOutcome> MigrationEngine::Drain(const std::string&, const std::string&,
                                          const PlanOptions&, bool, ProgressListener*) {
  return Internal("not implemented yet");
}
Result<ClusterView> MigrationEngine::ObserveAndSettle(const std::string&, FixReport*) {
  return Internal("not implemented yet");
}
Status WaitForSlotMap(RedisClient&, const std::vector<std::string>&, std::chrono::milliseconds) {
  return Internal("not implemented yet");
}

}  // namespace rc::engine
