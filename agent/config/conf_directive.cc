#include "agent/config/conf_directive.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace rc::agent {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits one line like redis' sdssplitargs. Returns false on unbalanced quotes.
bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  size_t i = 0;
  while (true) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size()) return true;
    std::string current;
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      if (in_double) {
        if (i >= line.size()) return false;
        char c = line[i];
        if (c == '\\' && i + 3 < line.size() && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          current.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < line.size()) {
          char n = line[++i];
          switch (n) {
            case 'n':
              current.push_back('\n');
              break;
            case 'r':
              current.push_back('\r');
              break;
            case 't':
              current.push_back('\t');
              break;
            case 'b':
              current.push_back('\b');
              break;
            case 'a':
              current.push_back('\a');
              break;
            default:
              current.push_back(n);
              break;
          }
        } else if (c == '"') {
          if (i + 1 < line.size() && !std::isspace(static_cast<unsigned char>(line[i + 1])))
            return false;  // closing quote must be followed by a space
          done = true;
        } else {
          current.push_back(c);
        }
      } else if (in_single) {
        if (i >= line.size()) return false;
        char c = line[i];
        if (c == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
          current.push_back('\'');
          ++i;
        } else if (c == '\'') {
          if (i + 1 < line.size() && !std::isspace(static_cast<unsigned char>(line[i + 1])))
            return false;
          done = true;
        } else {
          current.push_back(c);
        }
      } else {
        if (i >= line.size()) {
          done = true;
          break;
        }
        char c = line[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
          done = true;
        } else if (c == '"') {
          in_double = true;
        } else if (c == '\'') {
          in_single = true;
        } else {
          current.push_back(c);
        }
      }
      if (i < line.size()) ++i;
    }
    out->push_back(std::move(current));
  }
}

bool NeedsQuotes(const std::string& arg) {
  if (arg.empty()) return true;
  return std::any_of(arg.begin(), arg.end(), [](char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return std::isspace(u) || c == '"' || c == '\'' || c == '\\' || u < 0x20 || u == 0x7f;
  });
}

std::string Quote(const std::string& arg) {
  std::string out = "\"";
  for (char c : arg) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", u);
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace

Result<std::vector<Directive>> ParseConfText(std::string_view text) {
  std::vector<Directive> out;
  size_t pos = 0;
  int line_no = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') {
      if (end == text.size()) break;
      continue;
    }
    std::vector<std::string> words;
    if (!SplitArgs(line, &words))
      return InvalidArgument("config line " + std::to_string(line_no) + " '" + std::string(line) +
                             "': unbalanced quotes");
    if (words.size() < 2)
      return InvalidArgument("config line " + std::to_string(line_no) + " '" + std::string(line) +
                             "': a directive needs a value");
    Directive d;
    d.name = words[0];
    std::transform(d.name.begin(), d.name.end(), d.name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    d.args.assign(words.begin() + 1, words.end());
    out.push_back(std::move(d));
    if (end == text.size()) break;
  }
  return out;
}

std::string FormatDirective(const Directive& d) {
  std::string out = d.name;
  for (const auto& a : d.args) {
    out.push_back(' ');
    out += NeedsQuotes(a) ? Quote(a) : a;
  }
  return out;
}

}  // namespace rc::agent
