// Placeholder translation unit so agent_lib exists before the agent lands.
namespace rc::agent {
const char* Version() { return RC_VERSION; }
}  // namespace rc::agent
