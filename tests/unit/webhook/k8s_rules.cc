#include "tests/unit/webhook/k8s_rules.h"

#include <set>

namespace rc::webhook::testing {
namespace {

using nlohmann::json;

bool IsIanaServiceName(const std::string& name) {
  if (name.empty() || name.size() > 15) return false;
  bool has_letter = false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'a' && c <= 'z') {
      has_letter = true;
    } else if (!(c >= '0' && c <= '9') && c != '-') {
      return false;
    }
    if (c == '-' && (i == 0 || i + 1 == name.size() || name[i - 1] == '-')) return false;
  }
  return has_letter;
}

const json& ListOrEmpty(const json& obj, const char* key) {
  static const json kEmpty = json::array();
  auto it = obj.find(key);
  return it != obj.end() && it->is_array() ? *it : kEmpty;
}

}  // namespace

std::vector<std::string> ValidateStatefulSet(const json& sts) {
  std::vector<std::string> errors;
  const json& pod = sts.at("spec").at("template").at("spec");
  std::set<std::string> volumes;
  for (const json& v : ListOrEmpty(pod, "volumes")) {
    if (!volumes.insert(v.at("name").get<std::string>()).second) {
      errors.push_back("duplicate volume name " + v["name"].get<std::string>());
    }
  }
  for (const json& t : ListOrEmpty(sts["spec"], "volumeClaimTemplates")) {
    volumes.insert(t.at("metadata").at("name").get<std::string>());
  }
  std::set<std::string> containers;
  std::set<std::string> port_names;
  if (ListOrEmpty(pod, "containers").empty()) errors.push_back("no containers");
  for (const char* list : {"initContainers", "containers"}) {
    for (const json& c : ListOrEmpty(pod, list)) {
      const std::string name = c.at("name").get<std::string>();
      const std::string where = std::string(list) + "[" + name + "]";
      if (!containers.insert(name).second) errors.push_back("duplicate container name " + name);
      if (!c.contains("image") || !c["image"].is_string() ||
          c["image"].get<std::string>().empty()) {
        errors.push_back(where + " has no image");
      }
      if (c.contains("restartPolicy")) {
        if (std::string(list) != "initContainers") {
          errors.push_back(where + ": restartPolicy is only allowed on init containers");
        } else if (c["restartPolicy"] != "Always") {
          errors.push_back(where + ": restartPolicy must be Always");
        }
      }
      std::set<std::pair<int, std::string>> numbers;
      for (const json& p : ListOrEmpty(c, "ports")) {
        int number = p.at("containerPort").get<int>();
        std::string protocol = p.value("protocol", "TCP");
        if (!numbers.insert({number, protocol}).second) {
          errors.push_back(where + ": duplicate port " + std::to_string(number) + "/" + protocol);
        }
        if (p.contains("name")) {
          std::string port_name = p["name"].get<std::string>();
          if (!IsIanaServiceName(port_name))
            errors.push_back(where + ": bad port name " + port_name);
          if (!port_names.insert(port_name).second) {
            errors.push_back(where + ": duplicate port name " + port_name);
          }
        }
      }
      std::set<std::string> env_names;
      for (const json& e : ListOrEmpty(c, "env")) {
        if (!env_names.insert(e.at("name").get<std::string>()).second) {
          errors.push_back(where + ": duplicate env " + e["name"].get<std::string>());
        }
      }
      std::set<std::string> paths;
      for (const json& m : ListOrEmpty(c, "volumeMounts")) {
        std::string volume = m.at("name").get<std::string>();
        if (volumes.count(volume) == 0) {
          errors.push_back(where + ": volumeMount names unknown volume " + volume);
        }
        if (!paths.insert(m.at("mountPath").get<std::string>()).second) {
          errors.push_back(where + ": duplicate mountPath " + m["mountPath"].get<std::string>());
        }
      }
    }
  }
  return errors;
}

}  // namespace rc::webhook::testing
