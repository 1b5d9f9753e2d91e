// An in-memory KubeClient for unit tests: objects by path, errors by path,
// every write recorded. resourceVersion is checked on PUT like the API does.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/kube_client.h"

namespace rc::agent::testing {

class FakeKubeClient : public KubeClient {
 public:
  std::map<std::string, nlohmann::json> objects;  // GET path -> object (LIST path -> list)
  std::map<std::string, Status> errors;           // path -> error for every verb
  struct Call {
    std::string verb, path;
    nlohmann::json body;
  };
  std::vector<Call> writes;
  std::vector<std::string> selectors;  // LIST label selectors asked
  int version = 1;
  std::function<void()> before_put;  // runs before each PUT (to simulate a racing writer)

  Result<nlohmann::json> Get(const std::string& path) override {
    if (errors.count(path)) return errors[path];
    auto it = objects.find(path);
    if (it == objects.end()) return NotFound("GET " + path + ": HTTP 404");
    return it->second;
  }
  Result<nlohmann::json> List(const std::string& path, const std::string& selector) override {
    selectors.push_back(selector);
    if (errors.count(path)) return errors[path];
    auto it = objects.find(path);
    if (it == objects.end()) return nlohmann::json{{"items", nlohmann::json::array()}};
    return it->second;
  }
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body) override {
    writes.push_back({"POST", path, body});
    if (errors.count(path)) return errors[path];
    nlohmann::json stored = body;
    stored["metadata"]["resourceVersion"] = std::to_string(++version);
    if (body["metadata"].contains("name"))
      objects[path + "/" + body["metadata"]["name"].get<std::string>()] = stored;
    return stored;
  }
  Result<nlohmann::json> Put(const std::string& path, const nlohmann::json& body) override {
    writes.push_back({"PUT", path, body});
    if (before_put) before_put();
    if (errors.count(path)) return errors[path];
    auto it = objects.find(path);
    if (it != objects.end() && it->second["metadata"].value("resourceVersion", "") !=
                                   body["metadata"].value("resourceVersion", ""))
      return Conflict("PUT " + path + ": HTTP 409");
    nlohmann::json stored = body;
    stored["metadata"]["resourceVersion"] = std::to_string(++version);
    objects[path] = stored;
    return stored;
  }
  // RFC 7386 merge patch on the stored object (404 when there is none).
  Result<nlohmann::json> MergePatch(const std::string& path, const nlohmann::json& patch) override {
    writes.push_back({"PATCH", path, patch});
    if (errors.count(path)) return errors[path];
    auto it = objects.find(path);
    if (it == objects.end()) return NotFound("PATCH " + path + ": HTTP 404");
    it->second.merge_patch(patch);
    it->second["metadata"]["resourceVersion"] = std::to_string(++version);
    return it->second;
  }
};

}  // namespace rc::agent::testing
