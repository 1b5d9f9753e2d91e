#include "agent/reconcile/password_refusals.h"

namespace rc::agent {

PasswordNotice PasswordRefusals::Observe(Clock::time_point now,
                                         const std::vector<ObservedNode>& nodes) {
  std::set<std::string> pods;
  const ObservedNode* first = nullptr;
  for (const auto& n : nodes) {
    if (!n.auth_refused) continue;
    pods.insert(n.pod.name);
    if (first == nullptr) first = &n;
  }
  PasswordNotice notice;
  if (pods.empty()) {
    if (!said_pods_.empty()) {
      notice.kind = PasswordNotice::Kind::kResolved;
      notice.text = "the agent's password is accepted again (it was refused by ";
      std::string names;
      for (const auto& p : said_pods_) names += (names.empty() ? "" : ", ") + p;
      notice.text += names + ")";
    }
    said_pods_.clear();
    said_at_.reset();
    return notice;
  }
  if (pods == said_pods_ && said_at_ && now - *said_at_ < repeat_) return notice;
  std::string names;
  for (const auto& p : pods) names += (names.empty() ? "" : ", ") + p;
  notice.kind = PasswordNotice::Kind::kWarn;
  notice.text = std::to_string(pods.size()) + (pods.size() == 1 ? " pod refuses" : " pods refuse") +
                " the agent's password (" + names + "); the cluster waits for " +
                (pods.size() == 1 ? "it" : "them") + " and moves nothing to or from " +
                (pods.size() == 1 ? "it" : "them") + ". " + first->error;
  said_pods_ = std::move(pods);
  said_at_ = now;
  return notice;
}

}  // namespace rc::agent
