// `redis-cluster-agent init`: renders redis.conf into the shared config volume
// from the pod's facts (env or flags) and clears a previous pod's preStop
// hand-shake files. Exit 0 ok, 1 failure, 2 bad usage.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "agent/cli/commands.h"
#include "agent/config/agent_settings.h"
#include "common/log.h"

namespace rc::agent {
namespace {

Status WriteFileAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return Unavailable("cannot write " + tmp);
    out << text;
    out.flush();
    if (!out) return Unavailable("cannot write " + tmp);
  }
  ::chmod(tmp.c_str(), 0644);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Unavailable("cannot rename " + tmp + " to " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

int InitCommand(int argc, char** argv) {
  auto settings = ParseAgentSettings(argc, argv, [](const char* n) { return std::getenv(n); });
  if (!settings.ok()) {
    if (settings.status().code() == ErrorCode::kFailedPrecondition) {
      std::fputs(settings.status().message().c_str(), stdout);  // the usage text
      return 0;
    }
    std::fprintf(stderr, "redis-cluster-agent init: %s\n", settings.status().message().c_str());
    return 2;
  }
  log::RegisterSecret(settings->conf.password);
  auto conf = RenderRedisConf(settings->pod, settings->conf);
  if (!conf.ok()) {
    RC_LOG_ERROR << "cannot render redis.conf for pod " << settings->pod.pod_name << ": "
                 << conf.status().message();
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(settings->config_dir, ec);
  std::string path = settings->config_dir + "/redis.conf";
  Status written = WriteFileAtomically(path, conf->text);
  if (!written.ok()) {
    RC_LOG_ERROR << "cannot write " << path << ": " << written.message();
    return 1;
  }
  // A restarted pod keeps its emptyDir: a previous hand-shake must not linger.
  std::filesystem::remove(settings->config_dir + "/prestop", ec);
  std::filesystem::remove(settings->config_dir + "/prestop-done", ec);

  std::string left_out;
  for (const auto& d : conf->left_out) left_out += (left_out.empty() ? "" : ", ") + d.name;
  RC_LOG_INFO << "wrote " << path << " for pod " << settings->pod.pod_name << " ("
              << settings->pod.pod_ip << ", " << conf->rendered_for.ToString() << " from image '"
              << settings->conf.image << "'"
              << (settings->conf.password.empty() ? ", no password" : ", password required")
              << (settings->conf.user.config_file.empty()
                      ? std::string()
                      : ", keeping the container's own " + settings->conf.user.config_file)
              << ")"
              << (left_out.empty() || conf->rendered_for.known
                      ? std::string()
                      : "; the sidecar applies at run time what the server accepts: " + left_out);
  if (!left_out.empty() && conf->rendered_for.known) {
    bool acl = false;
    for (const auto& d : conf->left_out) acl = acl || d.name == "user";
    RC_LOG_WARNING << conf->rendered_for.ToString() << " does not have " << left_out
                   << ": left out of redis.conf"
                   << (acl ? "; without ACL (Redis < 6.0) the agent works as the default user, "
                             "with all its rights"
                           : "");
  }
  for (const auto& name : conf->overridden) {
    RC_LOG_WARNING << "the cluster setting '" << name
                   << "' replaces the value from the user's configuration";
  }
  return 0;
}

}  // namespace rc::agent
