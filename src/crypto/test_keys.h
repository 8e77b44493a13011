#pragma once
// Test-only: keys rebuilt from published JWK examples (RFC 7515 Appendix A, RFC 7638 §3.1), so
// tests can compare against the RFCs' exact bytes, and key types mailcert never generates.
// Linked only into tests (library mailcert_crypto_testing).

#include <string>

#include "crypto/key.h"
#include "util/result.h"

namespace mailcert::crypto::testing {

// RSA JWK members, base64url (RFC 7518 §6.3). Leave d (and the CRT members) empty for a
// public-only key.
struct RsaJwk {
  std::string n, e, d, p, q, dp, dq, qi;
};

// EC JWK members, base64url (RFC 7518 §6.2); crv is "P-256" or "P-384". Leave d empty for a
// public-only key.
struct EcJwk {
  std::string crv, x, y, d;
};

// Builds the key the JWK describes. A public-only PrivateKey (no d) is a test device: its
// PublicKeyDer() and a JwsSigner's PublicJwkJson() work, signing fails.
// Errors: kInvalidInput (bad base64url, inconsistent members), kCrypto.
util::Result<PrivateKey> RsaKeyFromJwk(const RsaJwk& jwk);
util::Result<PrivateKey> EcKeyFromJwk(const EcJwk& jwk);

// An Ed25519 key (RFC 8410): mailcert never issues with one, but certificates imported from
// elsewhere may carry one. Errors: kCrypto.
util::Result<PrivateKey> GenerateEd25519Key();

}  // namespace mailcert::crypto::testing
