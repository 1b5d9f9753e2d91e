#include "webhook/json_fast_parse.h"

#include <cstdint>
#include <cstring>
#include <string>

namespace rc::webhook {
namespace {

using nlohmann::json;
using SkipPaths = std::vector<std::vector<std::string_view>>;

// Recursive descent over [p_, end_). Every function returns false for "not
// decided here" (invalid, or outside the handled subset); `out` == nullptr
// means check the syntax only (a skipped member, or inside one).
class Parser {
 public:
  Parser(std::string_view text, const SkipPaths& skip, int max_depth)
      : p_(text.data()), end_(text.data() + text.size()), skip_(skip), max_depth_(max_depth) {
    for (const auto& path : skip_) longest_skip_ = std::max(longest_skip_, path.size());
  }

  bool Document(json* out) {
    SkipSpace();
    if (!Value(out, /*on_key_path=*/longest_skip_ > 0)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  // `on_key_path`: every container from the root to this value is an object,
  // and a skip path may still match below it.
  bool Value(json* out, bool on_key_path) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return Object(out, on_key_path);
      case '[':
        return Array(out);
      case '"':
        if (out == nullptr) return String(nullptr);
        {
          std::string s;
          if (!String(&s)) return false;
          *out = std::move(s);
        }
        return true;
      case 't':
        return Literal("true", out, json(true));
      case 'f':
        return Literal("false", out, json(false));
      case 'n':
        return Literal("null", out, json(nullptr));
      default:
        return Number(out);
    }
  }

  bool Object(json* out, bool on_key_path) {
    if (++depth_ > max_depth_) return false;
    ++p_;  // '{'
    json::object_t* object = nullptr;
    if (out != nullptr) {
      *out = json::object();
      object = out->get_ptr<json::object_t*>();
    }
    SkipSpace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      --depth_;
      return true;
    }
    while (true) {
      std::string_view key;
      std::string key_storage;  // only for keys with escapes
      if (!Key(&key, &key_storage)) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      SkipSpace();
      bool skipped = false;
      bool child_on_key_path = false;
      if (on_key_path) {
        path_.push_back(key);
        skipped = PathIsSkipped();
        child_on_key_path = !skipped && path_.size() < longest_skip_;
      }
      bool ok;
      if (object == nullptr || skipped) {
        ok = Value(nullptr, false);
      } else {
        // Like nlohmann's DOM parser: a repeated key's last value wins.
        auto it = object->lower_bound(key);
        if (it == object->end() || it->first != key) {
          it = object->emplace_hint(it, std::string(key), json());
        } else {
          it->second = json();
        }
        ok = Value(&it->second, child_on_key_path);
      }
      if (on_key_path) path_.pop_back();
      if (!ok) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        SkipSpace();
        continue;
      }
      if (*p_ != '}') return false;
      ++p_;
      --depth_;
      return true;
    }
  }

  bool Array(json* out) {
    if (++depth_ > max_depth_) return false;
    ++p_;  // '['
    json::array_t* array = nullptr;
    if (out != nullptr) {
      *out = json::array();
      array = out->get_ptr<json::array_t*>();
    }
    SkipSpace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      --depth_;
      return true;
    }
    while (true) {
      if (!Value(array == nullptr ? nullptr : &array->emplace_back(), false)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        SkipSpace();
        continue;
      }
      if (*p_ != ']') return false;
      ++p_;
      --depth_;
      return true;
    }
  }

  // A string of printable ASCII with the one-character escapes; anything else
  // (\u, bytes >= 0x80, control characters) is left to the general parser.
  bool String(std::string* out) {
    ++p_;  // '"'
    const char* run = p_;
    while (p_ != end_) {
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        if (out != nullptr) out->append(run, p_);
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (out != nullptr) out->append(run, p_);
        if (++p_ == end_) return false;
        char decoded;
        switch (*p_) {
          case '"':
            decoded = '"';
            break;
          case '\\':
            decoded = '\\';
            break;
          case '/':
            decoded = '/';
            break;
          case 'b':
            decoded = '\b';
            break;
          case 'f':
            decoded = '\f';
            break;
          case 'n':
            decoded = '\n';
            break;
          case 'r':
            decoded = '\r';
            break;
          case 't':
            decoded = '\t';
            break;
          default:
            return false;
        }
        if (out != nullptr) out->push_back(decoded);
        run = ++p_;
        continue;
      }
      if (c < 0x20 || c >= 0x80) return false;
      ++p_;
    }
    return false;
  }

  // A key, as a view of the input, or of `storage` when it has escapes (skip
  // paths match the decoded key, as nlohmann would see it).
  bool Key(std::string_view* key, std::string* storage) {
    if (p_ == end_ || *p_ != '"') return false;
    const char* start = p_ + 1;
    for (const char* q = start; q != end_; ++q) {
      const unsigned char c = static_cast<unsigned char>(*q);
      if (c == '"') {
        *key = std::string_view(start, static_cast<size_t>(q - start));
        p_ = q + 1;
        return true;
      }
      if (c == '\\') {
        storage->clear();
        if (!String(storage)) return false;
        *key = *storage;
        return true;
      }
      if (c < 0x20 || c >= 0x80) return false;
    }
    return false;
  }

  // -?(0|[1-9][0-9]*) of at most 18 digits: nlohmann stores a non-negative
  // one as number_unsigned and a negative one (even -0) as number_integer.
  bool Number(json* out) {
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_) return false;
    const char* digits = p_;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    } else {
      return false;
    }
    if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    if (p_ - digits > 18) return false;
    uint64_t value = 0;
    for (const char* d = digits; d != p_; ++d) value = value * 10 + static_cast<uint64_t>(*d - '0');
    if (out != nullptr) {
      if (negative) {
        *out = -static_cast<int64_t>(value);
      } else {
        *out = value;
      }
    }
    return true;
  }

  bool Literal(const char* word, json* out, json value) {
    const size_t n = std::strlen(word);
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return false;
    p_ += n;
    if (out != nullptr) *out = std::move(value);
    return true;
  }

  bool PathIsSkipped() const {
    for (const auto& path : skip_) {
      if (path.size() != path_.size()) continue;
      bool same = true;
      for (size_t i = 0; same && i < path.size(); ++i) same = path[i] == path_[i];
      if (same) return true;
    }
    return false;
  }

  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  const char* p_;
  const char* const end_;
  const SkipPaths& skip_;
  const int max_depth_;
  size_t longest_skip_ = 0;
  int depth_ = 0;
  std::vector<std::string_view> path_;  // keys from the root (while on a key path)
};

}  // namespace

std::optional<json> ParseJsonSkipping(std::string_view text, const SkipPaths& skip, int max_depth) {
  json out;
  Parser parser(text, skip, max_depth);
  if (!parser.Document(&out)) return std::nullopt;
  return out;
}

}  // namespace rc::webhook
