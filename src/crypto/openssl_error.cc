#include "crypto/openssl_error.h"

#include <openssl/err.h>

#include <utility>

namespace mailcert::crypto {

util::Error OpenSslError(std::string context, util::ErrorCode code) {
  std::string detail;
  // ERR_get_error_all gives the file/line/function too; the reason string is what users and
  // bug reports need, and it is the part that stays stable across OpenSSL versions.
  unsigned long packed;
  while ((packed = ERR_get_error()) != 0) {
    char buffer[256];
    ERR_error_string_n(packed, buffer, sizeof(buffer));
    if (!detail.empty()) detail += "; ";
    detail += buffer;
  }
  if (detail.empty()) detail = "no OpenSSL error queued";
  return util::Error{code, std::move(context), std::move(detail)};
}

void ClearOpenSslErrors() { ERR_clear_error(); }

}  // namespace mailcert::crypto
