#include "common/kube_client.h"

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace rc {
namespace {

Result<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) return NotFound(what + " file " + path + " cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  if (text.empty()) return NotFound(what + " file " + path + " is empty");
  return text;
}

std::string ApiMessage(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object() && json.contains("message") && json["message"].is_string())
    return json["message"].get<std::string>();
  return body.substr(0, 300);
}

// Plain words for a transport failure (httplib's own names are terse: "Read", "Connection").
std::string DescribeTransportError(httplib::Error err, const KubeConfig& config) {
  std::string server = config.host + ":" + std::to_string(config.port);
  switch (err) {
    case httplib::Error::Connection:
      return "cannot connect to " + server;
    case httplib::Error::ConnectionTimeout:
      return "connecting to " + server + " took longer than " + std::to_string(config.timeout_ms) +
             " ms";
    case httplib::Error::Read:
      return "no complete answer from " + server + " within " + std::to_string(config.timeout_ms) +
             " ms (or the connection was closed)";
    case httplib::Error::Write:
      return "sending to " + server + " failed";
    case httplib::Error::SSLConnection:
      return "TLS handshake with " + server + " failed";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the CA file " + config.ca_file;
    case httplib::Error::SSLServerVerification:
      return "the certificate of " + server + " is not trusted by the CA in " + config.ca_file +
             " (or does not name " + config.host + ")";
    default:
      return "transport error " + httplib::to_string(err) + " talking to " + server;
  }
}

// The one place HTTP and TLS outcomes become Status values.
Result<nlohmann::json> Translate(const httplib::Result& res, const std::string& what,
                                 const KubeConfig& config) {
  if (!res) {
    auto err = res.error();
    std::string msg = "kubernetes API " + what + ": " + DescribeTransportError(err, config);
    if (err == httplib::Error::ConnectionTimeout || err == httplib::Error::Read)
      return Timeout(msg);
    return Unavailable(msg);
  }
  int code = res->status;
  if (code >= 200 && code < 300) {
    auto json = nlohmann::json::parse(res->body, nullptr, false);
    if (json.is_discarded()) return Internal("kubernetes API " + what + ": reply is not JSON");
    return json;
  }
  std::string msg =
      "kubernetes API " + what + ": HTTP " + std::to_string(code) + ": " + ApiMessage(res->body);
  switch (code) {
    case 401:
    case 403:
      return PermissionDenied(msg);
    case 404:
      return NotFound(msg);
    case 409:
      return Conflict(msg);
    case 422:
    case 400:
      return InvalidArgument(msg);
    default:
      return Unavailable(msg);
  }
}

// Never throws: strings that are not valid UTF-8 are replaced, not an exception.
std::string Serialize(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class HttpsKubeClient : public KubeClient {
 public:
  explicit HttpsKubeClient(KubeConfig config) : config_(std::move(config)) {}

  Result<nlohmann::json> Get(const std::string& path) override {
    return Call("GET " + path,
                [&](httplib::SSLClient& c, const httplib::Headers& h) { return c.Get(path, h); });
  }
  Result<nlohmann::json> List(const std::string& path, const std::string& selector) override {
    std::string full = path;
    if (!selector.empty()) {
      full += (path.find('?') == std::string::npos ? "?" : "&");
      full += "labelSelector=" + httplib::detail::encode_query_param(selector);
    }
    return Call("LIST " + path,
                [&](httplib::SSLClient& c, const httplib::Headers& h) { return c.Get(full, h); });
  }
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body) override {
    return Call("POST " + path, [&](httplib::SSLClient& c, const httplib::Headers& h) {
      return c.Post(path, h, Serialize(body), "application/json");
    });
  }
  Result<nlohmann::json> Put(const std::string& path, const nlohmann::json& body) override {
    return Call("PUT " + path, [&](httplib::SSLClient& c, const httplib::Headers& h) {
      return c.Put(path, h, Serialize(body), "application/json");
    });
  }
  Result<nlohmann::json> MergePatch(const std::string& path, const nlohmann::json& patch) override {
    return Call("PATCH " + path, [&](httplib::SSLClient& c, const httplib::Headers& h) {
      return c.Patch(path, h, Serialize(patch), "application/merge-patch+json");
    });
  }

 private:
  // Sends; after a 401 with a token file, reads the token again and, when it
  // changed, sends once more (the old one expired under us).
  template <typename Send>
  Result<nlohmann::json> Call(const std::string& what, Send send) {
    RefreshToken(/*force=*/false);
    httplib::Result res = send(*Client(), Headers());
    if (res && res->status == 401 && RefreshToken(/*force=*/true)) res = send(*Client(), Headers());
    return Translate(res, what, config_);
  }

  // True when the token read differs from the one held.
  bool RefreshToken(bool force) {
    if (config_.token_file.empty()) return false;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - token_read_at_ < std::chrono::minutes(1)) return false;
    token_read_at_ = now;
    auto token = ReadFile(config_.token_file, "service-account token");
    if (!token.ok() || *token == config_.token) return false;
    config_.token = *token;
    return true;
  }

  std::unique_ptr<httplib::SSLClient> Client() {
    auto client = std::make_unique<httplib::SSLClient>(config_.host, config_.port);
    client->set_ca_cert_path(config_.ca_file.c_str());
    client->enable_server_certificate_verification(true);
    auto secs = config_.timeout_ms / 1000, usecs = (config_.timeout_ms % 1000) * 1000;
    client->set_connection_timeout(secs, usecs);
    client->set_read_timeout(secs, usecs);
    client->set_write_timeout(secs, usecs);
    return client;
  }
  httplib::Headers Headers() const {
    return {{"Authorization", "Bearer " + config_.token}, {"Accept", "application/json"}};
  }

  KubeConfig config_;
  std::chrono::steady_clock::time_point token_read_at_ = std::chrono::steady_clock::now();
};

}  // namespace

Result<KubeConfig> LoadInClusterConfig(const InClusterPaths& paths) {
  KubeConfig config;
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host)
    return NotFound("KUBERNETES_SERVICE_HOST is not set (not running in a pod?)");
  config.host = host;
  if (port && *port) {
    char* end = nullptr;
    long p = std::strtol(port, &end, 10);
    if (*end != '\0' || p <= 0 || p > 65535)
      return InvalidArgument(std::string("KUBERNETES_SERVICE_PORT '") + port + "' is not a port");
    config.port = static_cast<int>(p);
  }
  auto token = ReadFile(paths.token_file, "service-account token");
  if (!token.ok()) return token.status();
  config.token = *token;
  config.token_file = paths.token_file;
  config.ca_file = paths.ca_file;
  if (!std::ifstream(paths.ca_file))
    return NotFound("service-account CA file " + paths.ca_file + " cannot be read");
  auto ns = ReadFile(paths.namespace_file, "service-account namespace");
  if (!ns.ok()) return ns.status();
  config.namespace_name = *ns;
  return config;
}

std::unique_ptr<KubeClient> MakeHttpsKubeClient(const KubeConfig& config) {
  return std::make_unique<HttpsKubeClient>(config);
}

}  // namespace rc
