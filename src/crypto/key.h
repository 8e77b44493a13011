#pragma once
// Private keys for accounts and certificates. OpenSSL stays inside crypto/ (design.md): callers
// see only this type. A PrivateKey is a secret: it has no streaming operator, and ToPem() output
// must only ever reach a 0600 file.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace mailcert::crypto {

enum class KeyType { kEc256, kEc384, kRsa2048, kRsa3072, kRsa4096 };

// "ec256", "ec384", "rsa2048", "rsa3072", "rsa4096" — the names used on the command line and in
// config files.
std::string_view KeyTypeName(KeyType type);
std::optional<KeyType> ParseKeyType(std::string_view name);

class PrivateKey {
 public:
  // Generates a fresh key. Errors: kCrypto (OpenSSL error queue in detail).
  static util::Result<PrivateKey> Generate(KeyType type);

  // Parses a PEM private key (PKCS#8, or traditional "EC PRIVATE KEY"/"RSA PRIVATE KEY").
  // Errors: kInvalidInput when the text holds no usable key; the key material is never echoed.
  static util::Result<PrivateKey> FromPem(std::string_view pem);

  // Unencrypted PKCS#8 PEM. Secret.
  util::Result<std::string> ToPem() const;

  // The key's type, or nullopt for keys mailcert cannot issue with (Ed25519, P-521, RSA 1024…).
  std::optional<KeyType> Type() const;

  // DER SubjectPublicKeyInfo of the public half (what DANE "x 1 x" and key matching hash).
  std::string PublicKeyDer() const;

  // Internal handle; only crypto/ and net/ see its definition.
  struct Impl;
  const std::shared_ptr<Impl>& impl() const { return impl_; }
  explicit PrivateKey(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mailcert::crypto
