#include "common/flag_parser.h"

#include <charconv>
#include <cstdio>

namespace rc {

FlagParser::FlagParser(std::string synopsis, std::string about)
    : synopsis_(std::move(synopsis)), about_(std::move(about)) {}

void FlagParser::AddString(const std::string& name, std::string* out, const std::string& help,
                           const std::string& value_name) {
  flags_.push_back({name, help, true, value_name, [out](const std::string& v) {
                      *out = v;
                      return true;
                    }});
}

void FlagParser::AddInt(const std::string& name, int* out, const std::string& help) {
  flags_.push_back({name, help, true, "N", [out](const std::string& v) {
                      int parsed = 0;
                      auto res = std::from_chars(v.data(), v.data() + v.size(), parsed);
                      if (res.ec != std::errc() || res.ptr != v.data() + v.size()) return false;
                      *out = parsed;
                      return true;
                    }});
}

void FlagParser::AddBool(const std::string& name, bool* out, const std::string& help) {
  flags_.push_back({name, help, false, "", [out](const std::string&) {
                      *out = true;
                      return true;
                    }});
}

void FlagParser::AddList(const std::string& name, std::vector<std::string>* out,
                         const std::string& help, const std::string& value_name) {
  flags_.push_back({name, help + " (repeatable)", true, value_name, [out](const std::string& v) {
                      out->push_back(v);
                      return true;
                    }});
}

const FlagParser::Flag* FlagParser::Find(const std::string& name) const {
  for (const auto& f : flags_)
    if (f.name == name) return &f;
  return nullptr;
}

FlagParser::Outcome FlagParser::Parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return Outcome::kHelp;
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      error_ = "unexpected argument '" + arg + "'";
      return Outcome::kBadUsage;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const Flag* flag = Find(name);
    if (!flag) {
      error_ = "unknown flag --" + name;
      return Outcome::kBadUsage;
    }
    if (!flag->takes_value) {
      if (inline_value) {
        error_ = "flag --" + name + " takes no value";
        return Outcome::kBadUsage;
      }
      flag->set("");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argc) {
        error_ = "flag --" + name + " needs a value";
        return Outcome::kBadUsage;
      }
      value = argv[++i];
    }
    if (!flag->set(value)) {
      error_ = "flag --" + name + ": '" + value + "' is not a valid " + flag->value_name;
      return Outcome::kBadUsage;
    }
  }
  return Outcome::kOk;
}

std::string FlagParser::Usage() const {
  std::string out = "usage: redis-cluster-agent " + synopsis_ + "\n\n" + about_ + "\n\nFlags:\n";
  for (const auto& f : flags_) {
    std::string left = "  --" + f.name + (f.takes_value ? " " + f.value_name : "");
    if (left.size() < 30) left.resize(30, ' ');
    out += left + " " + f.help + "\n";
  }
  out +=
      "  --help                       show this text\n\nExit codes: 0 ok, 1 failure, 2 bad "
      "usage.\n";
  return out;
}

int FlagParser::ParseOrExit(int argc, char** argv) {
  switch (Parse(argc, argv)) {
    case Outcome::kOk:
      return -1;
    case Outcome::kHelp:
      std::fputs(Usage().c_str(), stdout);
      return 0;
    case Outcome::kBadUsage:
      std::fprintf(stderr, "redis-cluster-agent: %s\n\n%s", error_.c_str(), Usage().c_str());
      return 2;
  }
  return 2;
}

}  // namespace rc
