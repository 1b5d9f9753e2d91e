// The RFC 6902 JSONPatch that turns `source` into `target`, built in one pass
// that moves added and replaced values out of `target` (no deep copies: the
// patch of a whole injected container costs what the container does). Same
// shape as nlohmann::json::diff: objects key by key, arrays index by index
// (extra source elements removed from the end, extra target ones appended
// with "/-"), anything else replaced.
#pragma once

#include <nlohmann/json.hpp>

namespace rc::webhook {

// `target` is left in a valid but unspecified state.
nlohmann::json DiffToPatch(const nlohmann::json& source, nlohmann::json&& target);

}  // namespace rc::webhook
