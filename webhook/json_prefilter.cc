#include "webhook/json_prefilter.h"

#include <cstring>

namespace rc::webhook {
namespace {

struct Frame {
  bool object = false;
  bool expect_key = false;
  std::string_view key;  // the member being read (objects only)
};

// Index just past the string literal starting at `i` (a '"'), or npos. Jumps
// from quote to quote (memchr); a quote preceded by an odd run of backslashes
// is escaped.
size_t StringEnd(std::string_view s, size_t i) {
  size_t j = i + 1;
  while (j < s.size()) {
    const void* hit = std::memchr(s.data() + j, '"', s.size() - j);
    if (hit == nullptr) return std::string_view::npos;
    size_t quote = static_cast<size_t>(static_cast<const char*>(hit) - s.data());
    size_t backslashes = 0;
    while (quote - backslashes > i + 1 && s[quote - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return quote + 1;
    j = quote + 1;
  }
  return std::string_view::npos;
}

// Index just past the JSON value starting at `i` (not whitespace), or npos.
// Scalars end at the next structural character; containers at their match.
size_t ValueEnd(std::string_view s, size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  if (s[i] == '"') return StringEnd(s, i);
  if (s[i] != '{' && s[i] != '[') {
    size_t j = i;
    while (j < s.size() && s[j] != ',' && s[j] != '}' && s[j] != ']') ++j;
    return j;
  }
  int depth = 0;
  for (size_t j = i; j < s.size(); ++j) {
    char c = s[j];
    if (c == '"') {
      j = StringEnd(s, j);
      if (j == std::string_view::npos) return j;
      --j;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return j + 1;
    }
  }
  return std::string_view::npos;
}

bool Matches(const std::vector<Frame>& stack, const std::vector<std::string_view>& path) {
  if (stack.size() != path.size()) return false;
  for (size_t k = 0; k < path.size(); ++k) {
    if (!stack[k].object || stack[k].key != path[k]) return false;
  }
  return true;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

PrefilteredJson BlankMembers(std::string_view s,
                             const std::vector<std::vector<std::string_view>>& paths) {
  PrefilteredJson out;
  std::vector<Frame> stack;
  size_t copied = 0;  // s[0, copied) is already in out.text
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      size_t end = StringEnd(s, i);
      if (end == std::string_view::npos) break;  // malformed: the parser will say so
      if (!stack.empty() && stack.back().object && stack.back().expect_key) {
        stack.back().key = s.substr(i + 1, end - i - 2);
        stack.back().expect_key = false;
      }
      i = end - 1;
    } else if (c == ':') {
      bool blank = false;
      for (const auto& path : paths) blank = blank || Matches(stack, path);
      if (!blank) continue;
      size_t start = i + 1;
      while (start < s.size() && IsSpace(s[start])) ++start;
      size_t end = ValueEnd(s, start);
      if (end == std::string_view::npos) break;
      out.text.append(s.substr(copied, start - copied));
      out.text.append("null");
      out.blanked.push_back(s.substr(start, end - start));
      copied = end;
      i = end - 1;
    } else if (c == '{' || c == '[') {
      stack.push_back(Frame{c == '{', c == '{', {}});
      if (static_cast<int>(stack.size()) > out.max_depth)
        out.max_depth = static_cast<int>(stack.size());
    } else if (c == '}' || c == ']') {
      if (stack.empty()) break;
      stack.pop_back();
    } else if (c == ',') {
      if (!stack.empty() && stack.back().object) stack.back().expect_key = true;
    }
  }
  out.text.append(s.substr(copied));
  return out;
}

}  // namespace rc::webhook
