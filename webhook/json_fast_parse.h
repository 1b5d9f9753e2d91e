// A one-pass JSON parser for the common case of an AdmissionReview: ASCII
// text, integers, simple escapes. It builds the nlohmann::json DOM directly
// (no token buffers, no per-character position tracking) and leaves out the
// members at chosen key paths while still checking their syntax, so the parts
// that are never read (request.oldObject, managedFields, kubectl's
// last-applied annotation) cost one scan and no allocation.
//
// Contract: it either returns exactly the DOM that nlohmann::json::parse
// would build for `text` with the members at `skip` removed (same values,
// same number types: non-negative integers unsigned, negative ones signed;
// the last of duplicate keys wins), or std::nullopt, meaning "not decided
// here": invalid JSON, nesting deeper than `max_depth`, and whatever it does
// not handle (bytes >= 0x80, \u escapes, fractions and exponents, integers of
// 19 digits or more, a byte-order mark). The caller then
// uses the general (slower) path, which alone produces error messages.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

namespace rc::webhook {

// `skip`: key paths of object members from the root, e.g. {{"request",
// "oldObject"}}, matched against the decoded keys; members inside arrays are
// never matched. `max_depth`: the deepest object/array nesting accepted (the
// root container is depth 1).
std::optional<nlohmann::json> ParseJsonSkipping(
    std::string_view text, const std::vector<std::vector<std::string_view>>& skip, int max_depth);

}  // namespace rc::webhook
