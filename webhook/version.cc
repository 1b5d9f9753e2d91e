// Placeholder translation unit so webhook_lib exists before the mutation core lands.
namespace rc::webhook {
const char* Version() { return RC_VERSION; }
}  // namespace rc::webhook
