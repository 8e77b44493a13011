#pragma once
// JSON Web Signature (RFC 7515) as ACME uses it (RFC 8555 §6.2): flattened JSON serialization,
// algorithms ES256/ES384 (RFC 7518 §3.4, raw r||s signatures) and RS256 (RFC 7518 §3.3).
// acme/ takes a JwsSigner&, never a key (style.md, after OpenBSD acme-client).

#include <memory>
#include <string>
#include <string_view>

#include "crypto/key.h"
#include "util/result.h"

namespace mailcert::crypto {

class JwsSigner {
 public:
  virtual ~JwsSigner() = default;

  // "ES256", "ES384" or "RS256".
  virtual std::string Algorithm() const = 0;

  // The public JWK as compact JSON containing only the required members in lexicographic order
  // and no whitespace — exactly the RFC 7638 §3 thumbprint input, and valid as the "jwk" header.
  virtual std::string PublicJwkJson() const = 0;

  // Signs the JWS signing input (ASCII(BASE64URL(header) || '.' || BASE64URL(payload))) and
  // returns the raw signature bytes in JWS form. Errors: kCrypto.
  virtual util::Result<std::string> Sign(std::string_view signing_input) const = 0;
};

// JwsSigner over a PrivateKey: EC P-256 → ES256, P-384 → ES384, RSA → RS256.
// Errors: kInvalidInput for key types JWS/ACME cannot use.
util::Result<std::unique_ptr<JwsSigner>> MakeKeySigner(const PrivateKey& key);

// base64url(SHA-256(PublicJwkJson())) — RFC 7638 §3.
std::string JwkThumbprint(const JwsSigner& signer);

// Builds the flattened JWS JSON object {"protected":…,"payload":…,"signature":…}.
// protected_header_json is serialized by the caller (it holds alg, nonce, url, jwk|kid);
// payload may be empty (POST-as-GET, RFC 8555 §6.3).
util::Result<std::string> SignFlattenedJws(const JwsSigner& signer,
                                           std::string_view protected_header_json,
                                           std::string_view payload);

// The same with HS256 over a MAC key (External Account Binding, RFC 8555 §7.3.4).
// mac_key holds the raw key bytes: the CA hands the EAB key out base64url-encoded, so decode it
// first. The key is a secret: errors never contain it. Errors: kInvalidInput (empty key).
util::Result<std::string> SignFlattenedJwsHs256(std::string_view mac_key,
                                                std::string_view protected_header_json,
                                                std::string_view payload);

// Verifies a JWS signature in its JWS form (raw r||s for ES256/ES384) against a public key given
// as DER SubjectPublicKeyInfo (PrivateKey::PublicKeyDer(), CertificateInfo::public_key_der).
// For tests and fake ACME servers that check what the client signed. Returns false when the
// signature does not verify (including an r||s of the wrong length, RFC 7518 §3.4).
// Errors: kInvalidInput (unparsable key; algorithm not "ES256"/"ES384"/"RS256" or not the one
// the key is for, RFC 7515 §10.7), kCrypto.
util::Result<bool> VerifyJwsSignature(std::string_view public_key_der, std::string_view algorithm,
                                      std::string_view signing_input, std::string_view signature);

}  // namespace mailcert::crypto
