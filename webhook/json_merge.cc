#include "webhook/json_merge.h"

namespace rc::webhook {

using nlohmann::json;

bool Covers(const json& have, const json& want) {
  if (want.is_object()) {
    if (!have.is_object()) return false;
    for (const auto& [key, value] : want.items()) {
      auto it = have.find(key);
      if (it == have.end() || !Covers(*it, value)) return false;
    }
    return true;
  }
  if (want.is_array()) {
    if (!have.is_array() || have.size() != want.size()) return false;
    for (size_t i = 0; i < want.size(); ++i) {
      if (!Covers(have[i], want[i])) return false;
    }
    return true;
  }
  return have == want;
}

json& ArrayAt(json& obj, const char* key) {
  json& slot = obj[key];
  if (!slot.is_array()) slot = json::array();
  return slot;
}

json& ObjectAt(json& obj, const char* key) {
  json& slot = obj[key];
  if (!slot.is_object()) slot = json::object();
  return slot;
}

long IndexByName(const json& array, const std::string& name) {
  if (!array.is_array()) return -1;
  for (size_t i = 0; i < array.size(); ++i) {
    const json& item = array[i];
    if (item.is_object() && item.contains("name") && item["name"] == name) {
      return static_cast<long>(i);
    }
  }
  return -1;
}

void EraseIfEmpty(json& obj, const char* key) {
  auto it = obj.find(key);
  if (it != obj.end() && (it->is_array() || it->is_object()) && it->empty()) obj.erase(it);
}

}  // namespace rc::webhook

namespace rc::webhook {
std::string StringField(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}
}  // namespace rc::webhook

namespace rc::webhook {
const nlohmann::json& FieldRef(const nlohmann::json& obj, const char* key) {
  static const nlohmann::json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it != obj.end() ? *it : kNull;
}
}  // namespace rc::webhook
