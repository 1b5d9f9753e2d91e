// redis.conf directives as values: parsing lines the way redis-server does
// (sdssplitargs: spaces separate, "double" and 'single' quotes group) and
// formatting them back with quoting where needed. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rc::agent {

struct Directive {
  std::string name;               // lower case, e.g. "cluster-enabled"
  std::vector<std::string> args;  // e.g. {"yes"}
  bool operator==(const Directive&) const = default;
};

// Parses redis.conf text: blank lines and `#` comments are skipped. Errors name
// the line number and what was wrong (unbalanced quotes, a line with no value).
Result<std::vector<Directive>> ParseConfText(std::string_view text);

// "name arg1 arg2", each argument quoted when it is empty or holds spaces,
// quotes, backslashes or control characters.
std::string FormatDirective(const Directive& d);

}  // namespace rc::agent
