#include "webhook/json_writer.h"

#include <charconv>

namespace rc::webhook {
namespace {

using nlohmann::json;

void AppendNlohmann(const json& value, std::string& out) {
  out += value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Escapes like nlohmann (", \, \b \f \n \r \t); false, with `out` as it
// was, for anything it would write otherwise (\u00XX, UTF-8 checks).
bool AppendPlainString(const std::string& s, std::string& out) {
  const size_t mark = out.size();
  out += '"';
  size_t run = 0;  // s[run, i) is copied as is
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') continue;
    const char* escaped;
    switch (c) {
      case '"':
        escaped = "\\\"";
        break;
      case '\\':
        escaped = "\\\\";
        break;
      case '\b':
        escaped = "\\b";
        break;
      case '\f':
        escaped = "\\f";
        break;
      case '\n':
        escaped = "\\n";
        break;
      case '\r':
        escaped = "\\r";
        break;
      case '\t':
        escaped = "\\t";
        break;
      default:
        out.resize(mark);
        return false;
    }
    out.append(s, run, i - run);
    out += escaped;
    run = i + 1;
  }
  out.append(s, run, std::string::npos);
  out += '"';
  return true;
}

template <typename Integer>
void AppendInteger(Integer n, std::string& out) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), n);
  out.append(buffer, result.ptr);
}

}  // namespace

void AppendCompactJson(const json& value, std::string& out) {
  switch (value.type()) {
    case json::value_t::null:
      out += "null";
      return;
    case json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case json::value_t::number_integer:
      AppendInteger(value.get<json::number_integer_t>(), out);
      return;
    case json::value_t::number_unsigned:
      AppendInteger(value.get<json::number_unsigned_t>(), out);
      return;
    case json::value_t::string:
      if (!AppendPlainString(value.get_ref<const std::string&>(), out)) AppendNlohmann(value, out);
      return;
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        if (!AppendPlainString(key, out)) AppendNlohmann(json(key), out);
        out += ':';
        AppendCompactJson(member, out);
      }
      out += '}';
      return;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const json& element : value.get_ref<const json::array_t&>()) {
        if (!first) out += ',';
        first = false;
        AppendCompactJson(element, out);
      }
      out += ']';
      return;
    }
    default:  // floats, binary, discarded
      AppendNlohmann(value, out);
      return;
  }
}

}  // namespace rc::webhook
