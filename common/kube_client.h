// A small Kubernetes API client: in-cluster configuration (service-account
// token and CA, KUBERNETES_SERVICE_HOST/PORT) and the few verbs the agent
// needs, over HTTPS with the CA verified. KubeClient is abstract so agent
// logic can be tested against a fake; HttpsKubeClient is the real adapter and
// the only place HTTP/TLS errors are translated.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace rc {

struct KubeConfig {
  std::string host;  // API server address (IP or name)
  int port = 443;
  std::string token;  // bearer token (never logged)
  // Where the token came from: a projected service-account token rotates (about
  // hourly), so the client reads this file again every minute and at once after
  // a 401, then sends the request once more. "" = the token is fixed.
  std::string token_file;
  std::string ca_file;         // PEM bundle that signs the API server's certificate
  std::string namespace_name;  // the pod's own namespace
  int timeout_ms = 5000;
};

struct InClusterPaths {
  std::string token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// Reads KUBERNETES_SERVICE_HOST/PORT (port defaults to 443) and the service-account
// files. Errors say which variable or file is missing, unreadable or empty.
Result<KubeConfig> LoadInClusterConfig(const InClusterPaths& paths = {});

class KubeClient {
 public:
  virtual ~KubeClient() = default;
  // Paths are API paths, e.g. "/apis/apps/v1/namespaces/ns/statefulsets/web".
  virtual Result<nlohmann::json> Get(const std::string& path) = 0;
  // LIST with an optional label selector ("app=web,tier!=cache").
  virtual Result<nlohmann::json> List(const std::string& path,
                                      const std::string& label_selector) = 0;
  virtual Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body) = 0;
  virtual Result<nlohmann::json> Put(const std::string& path, const nlohmann::json& body) = 0;
  // application/merge-patch+json
  virtual Result<nlohmann::json> MergePatch(const std::string& path,
                                            const nlohmann::json& patch) = 0;
};

// Errors: kNotFound (404), kPermissionDenied (401/403, message says which verb
// on which resource is missing, from the API's own Status message), kConflict
// (409), kInvalidArgument (400/422), kUnavailable (connect/TLS failure, certificate not
// signed by config.ca_file, 5xx), kTimeout (no answer within timeout_ms), kInternal (a 2xx
// reply that is not JSON); each names the verb and path. One TLS connection per call; the
// CA file is read at each call, the token file (when set) as said above.
std::unique_ptr<KubeClient> MakeHttpsKubeClient(const KubeConfig& config);

}  // namespace rc
