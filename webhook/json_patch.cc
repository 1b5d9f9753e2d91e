#include "webhook/json_patch.h"

#include <string>

namespace rc::webhook {
namespace {

using nlohmann::json;

// RFC 6901: '~' -> "~0", '/' -> "~1".
void AppendEscaped(std::string& path, const std::string& key) {
  size_t run = 0;  // key[run, i) is appended as is
  for (size_t i = key.find_first_of("~/"); i != std::string::npos;
       i = key.find_first_of("~/", i + 1)) {
    path.append(key, run, i - run);
    path += key[i] == '~' ? "~0" : "~1";
    run = i + 1;
  }
  path.append(key, run, std::string::npos);
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
    // Both maps are sorted by key: walk them side by side (no lookups).
    // First every source key in order (recurse, or remove), then every
    // target-only key in order (add).
    const json::object_t& from = source.get_ref<const json::object_t&>();
    json::object_t& to = target.get_ref<json::object_t&>();
    auto t = to.begin();
    for (auto s = from.begin(); s != from.end(); ++s) {
      while (t != to.end() && t->first < s->first) ++t;
      path.resize(base);
      path += '/';
      AppendEscaped(path, s->first);
      if (t == to.end() || t->first != s->first) {
        Push(patch, "remove", path, nullptr);
      } else {
        Diff(s->second, t->second, path, patch);
      }
    }
    auto s = from.begin();
    for (auto added = to.begin(); added != to.end(); ++added) {
      while (s != from.end() && s->first < added->first) ++s;
      if (s != from.end() && s->first == added->first) continue;
      path.resize(base);
      path += '/';
      AppendEscaped(path, added->first);
      Push(patch, "add", path, &added->second);
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
