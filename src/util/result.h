#pragma once
// Errors as values (design.md): every fallible call returns Result<T>. No exception crosses a
// module boundary. An Error carries a code for programs, a message a user can act on, and detail
// (the ACME problem document, the OpenSSL error queue, errno text) for the curious.

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace mailcert::util {

enum class ErrorCode {
  kInvalidInput,  // bad flag, config value or file content; the message names the field
  kNotFound,      // a file, lineage, account or object that does not exist
  kIo,            // filesystem or OS error
  kNetwork,       // transport: DNS, connect, TLS, timeout talking to a server
  kProtocol,      // a server answered something that breaks its protocol (garbage JSON, missing field)
  kAcmeProblem,   // the ACME server returned a problem document (RFC 8555 §6.7)
  kRateLimited,   // ACME rateLimited / HTTP 429 or 503 with Retry-After
  kCrypto,        // key, CSR, signature or certificate handling failed
  kTimeout,       // a bounded wait (polling, validation) ran out
  kConflict,      // someone else holds the lock, or state changed underneath us
  kInternal,      // a bug in mailcert
};

const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // one line, says what failed and, where known, what to do
  std::string detail;   // optional: more context; never a secret

  // "message (detail)" or just "message".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: `.
  Error WithContext(const std::string& context) const;
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> Fail(ErrorCode code, std::string message, std::string detail = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(detail)});
}

inline tl::unexpected<Error> Fail(Error error) { return tl::unexpected<Error>(std::move(error)); }

}  // namespace mailcert::util

// Propagates an error from an expression of type Result<T>; evaluates to nothing.
#define MC_RETURN_IF_ERROR(expr)                                           \
  do {                                                                     \
    auto mc_status_ = (expr);                                              \
    if (!mc_status_) return ::tl::unexpected(std::move(mc_status_.error())); \
  } while (0)

#define MC_CONCAT_INNER_(a, b) a##b
#define MC_CONCAT_(a, b) MC_CONCAT_INNER_(a, b)
// MC_ASSIGN_OR_RETURN(auto x, Expr()) declares x from a successful result or returns its error.
#define MC_ASSIGN_OR_RETURN(decl, expr) \
  MC_ASSIGN_OR_RETURN_IMPL_(MC_CONCAT_(mc_result_, __LINE__), decl, expr)
#define MC_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr)                   \
  auto tmp = (expr);                                                 \
  if (!tmp) return ::tl::unexpected(std::move(tmp.error()));         \
  decl = std::move(*tmp)
