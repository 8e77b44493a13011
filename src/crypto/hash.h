#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace mailcert::crypto {

// SHA-256 digest, 32 raw bytes.
std::string Sha256(std::string_view data);

// SHA-512 digest, 64 raw bytes (DANE TLSA matching type 2, RFC 6698 §2.1.3).
std::string Sha512(std::string_view data);

// SHA-1 digest, 20 raw bytes. Only where a vendor protocol demands it (OVH's API request
// signature, "$1$" + hex(SHA-1(...))); never for anything mailcert itself relies on.
std::string Sha1(std::string_view data);

// HMAC-SHA-256 (RFC 2104), 32 raw bytes; used for EAB (RFC 8555 §7.3.4, alg HS256).
// Errors: kInvalidInput (empty key: for EAB that is always a missing secret), kCrypto.
util::Result<std::string> HmacSha256(std::string_view key, std::string_view data);

// Cryptographically random bytes (tokens for self-checks, temp names). Aborts never: on RNG
// failure it returns kCrypto.
util::Result<std::string> RandomBytes(size_t count);

}  // namespace mailcert::crypto
