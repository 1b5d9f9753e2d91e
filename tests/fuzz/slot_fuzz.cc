// Fuzzes slot hashing and slot-set parsing: HashTag returns the spec's tag, KeySlot stays in
// range, and any SlotSet that parses prints back to text that parses to the same set.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/slot_hash.h"
#include "common/slot_set.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  int slot = rc::KeySlot(text);
  Check(slot >= 0 && slot < rc::kSlotCount, "KeySlot in range");
  std::string_view tag = rc::HashTag(text);
  if (tag.size() != text.size()) {
    // A tag is what lies between the first '{' and the first '}' after it, and is not empty.
    auto open = text.find('{');
    Check(open != std::string_view::npos, "a tag needs a '{'");
    Check(!tag.empty(), "a tag is not empty");
    Check(text.substr(open + 1, tag.size()) == tag, "the tag follows the first '{'");
    Check(text.size() > open + 1 + tag.size() && text[open + 1 + tag.size()] == '}',
          "the tag ends at a '}'");
    Check(tag.find('}') == std::string_view::npos, "the tag ends at the first '}'");
    Check(rc::KeySlot(tag) == slot, "a key hashes like its tag");
  }

  auto set = rc::SlotSet::Parse(text);
  if (set.ok()) {
    auto again = rc::SlotSet::Parse(set->ToString());
    Check(again.ok() && *again == *set, "SlotSet round-trips through ToString");
    int ranged = 0;
    for (const auto& r : set->Ranges()) ranged += r.size();
    Check(ranged == set->Count(), "ranges cover exactly the set");
  } else {
    Check(!set.status().message().empty(), "errors have a message");
  }
  return 0;
}
