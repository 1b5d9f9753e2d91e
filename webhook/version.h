// The webhook's version string (the project version baked in at build time).
#pragma once

namespace rc::webhook {
const char* Version();
}  // namespace rc::webhook
