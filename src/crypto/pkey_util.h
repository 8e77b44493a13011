#pragma once
// Facts about an EVP_PKEY shared by key.cc, jws.cc and x509.cc. Private to crypto/.

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <optional>
#include <string>

#include "crypto/key.h"

namespace mailcert::crypto {

// The KeyType of a key, or nullopt for types mailcert does not issue with (Ed25519, P-521,
// RSA sizes other than 2048/3072/4096).
std::optional<KeyType> KeyTypeOf(const EVP_PKEY* pkey);

// "ec256", "ec384", "rsa<bits>", "ed25519", "ed448", or "other": the label reports use for
// any key found in a certificate, including ones mailcert would not generate.
std::string KeyTypeLabel(const EVP_PKEY* pkey);

// DER SubjectPublicKeyInfo of the public half; empty on failure (error queue cleared).
std::string SpkiDer(const EVP_PKEY* pkey);

// Sets `pub` (its algorithm and key bits) to the SubjectPublicKeyInfo of an EC named-curve key
// (RFC 5480 §2) or an RSA key (RFC 3279 §2.3.1), built from the key's parameters. Returns
// false, leaving `pub` unchanged, for other key types: callers then use the generic OpenSSL path.
// Why: in OpenSSL 3.0 X509_PUBKEY_set() and i2d_PUBKEY() run the encoder and then the decoder
// framework, about 150 µs per call; this takes a few µs and yields the same bytes.
bool SetSubjectPublicKey(X509_PUBKEY* pub, const EVP_PKEY* pkey);

// The curve's field size in bytes (32 for P-256, 48 for P-384), or 0 when not a NIST curve
// mailcert signs with.
int EcFieldBytes(const EVP_PKEY* pkey);

}  // namespace mailcert::crypto
