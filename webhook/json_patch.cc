#include "webhook/json_patch.h"

#include <string>

namespace rc::webhook {
namespace {

using nlohmann::json;

// RFC 6901: '~' -> "~0", '/' -> "~1".
void AppendEscaped(std::string& path, const std::string& key) {
  for (char c : key) {
    if (c == '~') {
      path += "~0";
    } else if (c == '/') {
      path += "~1";
    } else {
      path += c;
    }
  }
}

void Push(json& patch, const char* op, const std::string& path, json* value) {
  json entry = json::object();
  entry.emplace("op", op);
  entry.emplace("path", path);
  if (value != nullptr) entry.emplace("value", std::move(*value));
  patch.push_back(std::move(entry));
}

void Diff(const json& source, json& target, std::string& path, json& patch) {
  if (source.type() != target.type() || source.is_primitive() || source.is_binary()) {
    if (source != target) Push(patch, "replace", path, &target);
    return;
  }
  const size_t base = path.size();
  if (source.is_object()) {
    for (auto it = source.begin(); it != source.end(); ++it) {
      path.resize(base);
      path += '/';
      AppendEscaped(path, it.key());
      auto found = target.find(it.key());
      if (found == target.end()) {
        Push(patch, "remove", path, nullptr);
      } else {
        Diff(*it, *found, path, patch);
      }
    }
    for (auto it = target.begin(); it != target.end(); ++it) {
      if (source.contains(it.key())) continue;
      path.resize(base);
      path += '/';
      AppendEscaped(path, it.key());
      Push(patch, "add", path, &it.value());
    }
    path.resize(base);
    return;
  }
  // Arrays.
  size_t common = std::min(source.size(), target.size());
  for (size_t i = 0; i < common; ++i) {
    path.resize(base);
    path += '/';
    path += std::to_string(i);
    Diff(source[i], target[i], path, patch);
  }
  for (size_t i = source.size(); i > common; --i) {  // remove from the end
    path.resize(base);
    path += '/';
    path += std::to_string(i - 1);
    Push(patch, "remove", path, nullptr);
  }
  for (size_t i = common; i < target.size(); ++i) {
    path.resize(base);
    path += "/-";
    Push(patch, "add", path, &target[i]);
  }
  path.resize(base);
}

}  // namespace

json DiffToPatch(const json& source, json&& target) {
  json patch = json::array();
  std::string path;
  Diff(source, target, path, patch);
  return patch;
}

}  // namespace rc::webhook
