#include "util/result.h"

namespace mailcert::util {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput: return "invalid_input";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kNetwork: return "network";
    case ErrorCode::kProtocol: return "protocol";
    case ErrorCode::kAcmeProblem: return "acme_problem";
    case ErrorCode::kRateLimited: return "rate_limited";
    case ErrorCode::kCrypto: return "crypto";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

std::string Error::ToString() const {
  if (detail.empty()) return message;
  return message + " (" + detail + ")";
}

Error Error::WithContext(const std::string& context) const {
  Error copy = *this;
  copy.message = context + ": " + message;
  return copy;
}

}  // namespace mailcert::util
