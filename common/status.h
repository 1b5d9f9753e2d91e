// Status and Result<T>: how errors cross module boundaries in this project.
// No exception crosses a module boundary; C-library errors are translated into
// a Status in exactly one place per library (redis_client.cc, kube_client.cc).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace rc {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong (bad flag, bad annotation, bad JSON)
  kNotFound,            // the thing asked for does not exist
  kUnavailable,         // connect failed, connection closed; retrying may help
  kTimeout,             // the peer did not answer in time
  kPermissionDenied,    // AUTH failed, HTTP 401/403
  kConflict,            // concurrent change (HTTP 409, BUSYKEY with another value)
  kFailedPrecondition,  // the system is not in a state where this can run
  kInternal,            // a bug or an answer we do not understand
};

const char* ErrorCodeName(ErrorCode code);

class Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "TIMEOUT: node 10.0.0.3:6379 did not answer PING within 2000 ms"
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(const std::string& context) const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
inline Status Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
inline Status Timeout(std::string m) { return {ErrorCode::kTimeout, std::move(m)}; }
inline Status PermissionDenied(std::string m) {
  return {ErrorCode::kPermissionDenied, std::move(m)};
}
inline Status Conflict(std::string m) { return {ErrorCode::kConflict, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {ErrorCode::kFailedPrecondition, std::move(m)};
}
inline Status Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

// Result<T> holds either a value or a non-ok Status.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) status_ = Internal("Result constructed from an ok Status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T value_or(T fallback) const { return value_ ? *value_ : std::move(fallback); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace rc

// RC_RETURN_IF_ERROR(status_expr): return the Status when it is not ok.
#define RC_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::rc::Status rc_status_ = (expr);        \
    if (!rc_status_.ok()) return rc_status_; \
  } while (0)
