// Compact JSON text of a nlohmann::json value, byte for byte what
// value.dump(-1, ' ', false, error_handler_t::replace) returns, written
// without nlohmann's per-character serializer: plain ASCII strings are copied
// in runs and integers written with std::to_chars. Strings with other control
// characters or non-ASCII bytes, floats and binary values are handed to
// nlohmann's dump, so the text is always the same.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace rc::webhook {

// Appends the compact text of `value` to `out`.
void AppendCompactJson(const nlohmann::json& value, std::string& out);

}  // namespace rc::webhook
