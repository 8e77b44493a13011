#pragma once
// Certificate signing requests (RFC 2986) for ACME finalize (RFC 8555 §7.4).

#include <string>
#include <vector>

#include "crypto/key.h"
#include "util/result.h"

namespace mailcert::crypto {

// DER CSR signed with SHA-256 by `key`, carrying every name in a subjectAltName extension
// (dNSName, or iPAddress for an IP literal). The subject CN is the first name when it fits in
// 64 characters (RFC 5280 ub-common-name), else the subject is empty.
// Errors: kInvalidInput (no names, an empty name), kCrypto.
util::Result<std::string> MakeCsrDer(const PrivateKey& key, const std::vector<std::string>& names);

}  // namespace mailcert::crypto
