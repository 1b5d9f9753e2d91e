// FlagParser: the agent's one flag parser (every subcommand, and the settings
// init and run share, agent/config/agent_settings.h). gflags keeps flags
// in process-wide globals, which five subcommands cannot share cleanly; this
// one is local to each command.
//
// Accepts "--name value" and "--name=value"; booleans take no value; list
// flags may repeat. "--help" / "-h" asks for the usage text. Anything else
// (unknown flag, missing or malformed value, stray argument) is a usage error
// whose message names the flag.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace rc {

class FlagParser {
 public:
  enum class Outcome { kOk, kHelp, kBadUsage };

  // `synopsis`: "status --seed HOST:PORT [--json]"; `about`: one paragraph.
  FlagParser(std::string synopsis, std::string about);

  void AddString(const std::string& name, std::string* out, const std::string& help,
                 const std::string& value_name = "VALUE");
  void AddInt(const std::string& name, int* out, const std::string& help);
  void AddBool(const std::string& name, bool* out, const std::string& help);
  void AddList(const std::string& name, std::vector<std::string>* out, const std::string& help,
               const std::string& value_name = "VALUE");

  // argv[0] is the subcommand name and is skipped.
  Outcome Parse(int argc, char** argv);
  const std::string& error() const { return error_; }
  std::string Usage() const;

  // Parses, prints usage (stdout) or the error + usage (stderr). Returns -1 to
  // continue, else the exit code to return (0 for --help, 2 for bad usage).
  int ParseOrExit(int argc, char** argv);

 private:
  struct Flag {
    std::string name;
    std::string help;
    bool takes_value = true;
    std::string value_name;
    std::function<bool(const std::string&)> set;  // false: malformed value
  };
  const Flag* Find(const std::string& name) const;

  std::string synopsis_;
  std::string about_;
  std::vector<Flag> flags_;
  std::string error_;
};

}  // namespace rc
