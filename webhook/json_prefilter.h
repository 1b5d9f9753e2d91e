// A byte-level pass over a JSON document before it is parsed: replaces the
// values of chosen members (by their key path from the root) with `null`, so
// the slow DOM parser never builds what is never used (an AdmissionReview's
// request.oldObject and request.object.metadata.managedFields are most of
// its bytes), and measures the nesting depth (to refuse documents deep enough
// to exhaust the stack of later recursive passes). Malformed input is passed
// through unchanged for the real parser to reject.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rc::webhook {

struct PrefilteredJson {
  std::string text;   // the document with the chosen values blanked to null
  int max_depth = 0;  // deepest object/array nesting seen (outside blanked values)
  // The original text of each blanked value (views into the input): the caller
  // still validates them (cheaply, without building them) to stay strict.
  std::vector<std::string_view> blanked;
};

// `paths`: key paths of object members, e.g. {{"request", "oldObject"}}. Keys
// are matched literally (a key written with escapes is not matched and simply
// stays). Members inside arrays are never matched.
PrefilteredJson BlankMembers(std::string_view json,
                             const std::vector<std::vector<std::string_view>>& paths);

}  // namespace rc::webhook
