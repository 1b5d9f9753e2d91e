#include "webhook/version.h"

namespace rc::webhook {
const char* Version() { return RC_VERSION; }
}  // namespace rc::webhook
