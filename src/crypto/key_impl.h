#pragma once
// Definition of PrivateKey::Impl, private to crypto/ and net/ (net/ loads the key into a TLS
// context with SSL_CTX_use_PrivateKey(ctx, key.impl()->pkey)). Everyone else sees only key.h.

#include <openssl/evp.h>

#include <memory>

#include "crypto/key.h"

namespace mailcert::crypto {

struct PrivateKey::Impl {
  // Takes over one reference to `owned` (which must not be null).
  explicit Impl(EVP_PKEY* owned) : pkey(owned) {}
  ~Impl() { EVP_PKEY_free(pkey); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // Never null. OpenSSL 3 keys are immutable once built, so one EVP_PKEY may sign on many
  // threads at once; copies of a PrivateKey share it.
  EVP_PKEY* const pkey;
};

// Wraps `pkey`, taking over the caller's reference.
inline PrivateKey AdoptKey(EVP_PKEY* pkey) {
  return PrivateKey(std::make_shared<PrivateKey::Impl>(pkey));
}

// Wraps `pkey` while the caller keeps its own reference (EVP_PKEY_up_ref).
inline PrivateKey ShareKey(EVP_PKEY* pkey) {
  EVP_PKEY_up_ref(pkey);
  return AdoptKey(pkey);
}

}  // namespace mailcert::crypto
