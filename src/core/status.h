// Status and Result<T>: the one error vocabulary of PromptJang.
//
// Every fallible call returns a Status (or a Result<T>, a value or a Status).
// Errors of third-party libraries (SQLite, libcurl, Asio, OpenSSL) are turned
// into a Status at their boundary; a Status becomes an HTTP answer in exactly one
// place (api/errors.cc). Codes are few and name what a caller can do about it.
// Thread safety: plain values, safe to copy and move between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace promptjang {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong; retrying will not help
  kNotFound,            // no such thing (or not visible to this tenant)
  kAlreadyExists,       // a unique key is taken
  kUnauthenticated,     // missing or bad credentials
  kPermissionDenied,    // authenticated, but not allowed
  kFailedPrecondition,  // the thing is in the wrong state for this
  kResourceExhausted,   // a limit was hit (payload size, connections)
  kUnavailable,         // a dependency (storage, network) is down; may be retried
  kDeadlineExceeded,    // a timeout
  kInternal,            // a bug or an unexpected library failure
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NotFound: endpoint ep_x" — for logs and CLI messages.
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// `text` in single quotes, for error messages. (Built by appending: g++ 12 at
// -O3 reports a false -Wrestrict on "'" + std::string(...).)
inline std::string quoted(std::string_view text) {
  std::string out(1, '\'');
  out.append(text);
  out += '\'';
  return out;
}

inline Status invalid_argument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status unauthenticated(std::string m) {
  return {StatusCode::kUnauthenticated, std::move(m)};
}
inline Status failed_precondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status resource_exhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    // A Result built from a Status must carry an error: an ok Status has no value.
    if (std::get<Status>(v_).is_ok()) v_ = internal_error("Result built from an ok Status");
  }

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }

  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

inline const Status& status_of(const Status& s) { return s; }
template <typename T>
const Status& status_of(const Result<T>& r) {
  return r.status();
}

}  // namespace promptjang

// Early return of a non-ok Status (from a Status or a Result).
#define PJ_RETURN_IF_ERROR(expr)                                         \
  do {                                                                   \
    const auto& pj_result_ = (expr);                                     \
    if (!pj_result_.is_ok()) return ::promptjang::status_of(pj_result_); \
  } while (0)
