#pragma once
// X.509 helpers shared inside crypto/ (x509.cc, x509_verify.cc, test_ca.cc).

#include <string_view>

#include "crypto/openssl_ptr.h"
#include "util/result.h"

namespace mailcert::crypto {

// Decodes exactly one DER certificate (no trailing bytes). Errors: kInvalidInput.
util::Result<X509Ptr> ParseX509(std::string_view der);

}  // namespace mailcert::crypto
