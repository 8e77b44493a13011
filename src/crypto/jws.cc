#include "crypto/jws.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <climits>
#include <mutex>
#include <utility>

#include "crypto/digests.h"
#include "crypto/hash.h"
#include "crypto/key_impl.h"
#include "crypto/openssl_error.h"
#include "crypto/openssl_ptr.h"
#include "crypto/pkey_util.h"
#include "util/base64.h"

namespace mailcert::crypto {
namespace {

using util::ErrorCode;
using util::Fail;

// One JWS algorithm bound to what the key must be (RFC 7518 §3.1).
struct AlgorithmSpec {
  const char* name;
  const EVP_MD* md;
  int ec_field_bytes;  // 0 for RSA
};

std::optional<AlgorithmSpec> SpecForKeyType(KeyType type) {
  switch (type) {
    case KeyType::kEc256:
      return AlgorithmSpec{"ES256", Sha256Md(), 32};
    case KeyType::kEc384:
      return AlgorithmSpec{"ES384", Sha384Md(), 48};
    case KeyType::kRsa2048:
    case KeyType::kRsa3072:
    case KeyType::kRsa4096:
      return AlgorithmSpec{"RS256", Sha256Md(), 0};
  }
  return std::nullopt;
}

// Big-endian bytes of a BIGNUM key parameter. pad_to > 0 left-pads with zeros to that size
// (EC coordinates, RFC 7518 §6.2.1.2-3); pad_to == 0 gives the minimal encoding (RSA n and e
// are Base64urlUInt values, RFC 7518 §6.3.1 and §2: "the minimum number of octets").
std::optional<std::string> BignumParam(const EVP_PKEY* pkey, const char* param, int pad_to) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, param, &raw) != 1) return std::nullopt;
  BignumPtr bn(raw);
  int size = pad_to > 0 ? pad_to : BN_num_bytes(bn.get());
  std::string bytes(static_cast<size_t>(size), '\0');
  auto* out = reinterpret_cast<unsigned char*>(bytes.data());
  int written = pad_to > 0 ? BN_bn2binpad(bn.get(), out, size) : BN_bn2bin(bn.get(), out);
  if (written != size) return std::nullopt;
  return bytes;
}

// The RFC 7638 §3.2 form: required members only, lexicographic order, no whitespace. Base64url
// text needs no JSON escaping, so plain concatenation is exact.
util::Result<std::string> BuildPublicJwk(const EVP_PKEY* pkey, const AlgorithmSpec& spec) {
  if (spec.ec_field_bytes > 0) {
    auto x = BignumParam(pkey, OSSL_PKEY_PARAM_EC_PUB_X, spec.ec_field_bytes);
    auto y = BignumParam(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, spec.ec_field_bytes);
    if (!x || !y) return Fail(OpenSslError("read EC public key coordinates"));
    const char* curve = spec.ec_field_bytes == 32 ? "P-256" : "P-384";
    return std::string("{\"crv\":\"") + curve + "\",\"kty\":\"EC\",\"x\":\"" +
           util::Base64UrlEncode(*x) + "\",\"y\":\"" + util::Base64UrlEncode(*y) + "\"}";
  }
  auto n = BignumParam(pkey, OSSL_PKEY_PARAM_RSA_N, 0);
  auto e = BignumParam(pkey, OSSL_PKEY_PARAM_RSA_E, 0);
  if (!n || !e) return Fail(OpenSslError("read RSA public key"));
  return "{\"e\":\"" + util::Base64UrlEncode(*e) + "\",\"kty\":\"RSA\",\"n\":\"" +
         util::Base64UrlEncode(*n) + "\"}";
}

// DER ECDSA-Sig-Value (what OpenSSL produces) → fixed-size r || s (RFC 7518 §3.4).
util::Result<std::string> EcdsaDerToRaw(const std::string& der, int field_bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return Fail(OpenSslError("decode ECDSA signature"));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(static_cast<size_t>(2 * field_bytes), '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, field_bytes) != field_bytes ||
      BN_bn2binpad(s, out + field_bytes, field_bytes) != field_bytes) {
    return Fail(OpenSslError("encode ECDSA signature"));
  }
  return raw;
}

// Fixed-size r || s → DER ECDSA-Sig-Value, for verification.
std::optional<std::string> EcdsaRawToDer(std::string_view raw) {
  const auto half = static_cast<int>(raw.size() / 2);
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  BignumPtr r(BN_bin2bn(in, half, nullptr));
  BignumPtr s(BN_bin2bn(in + half, half, nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  r.release();  // now owned by sig
  s.release();
  unsigned char* der = nullptr;
  int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return std::nullopt;
  OpenSslBytesPtr owner(der);
  return std::string(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
}

class KeySigner final : public JwsSigner {
 public:
  KeySigner(PrivateKey key, AlgorithmSpec spec, std::string jwk_json)
      : key_(std::move(key)), spec_(spec), jwk_json_(std::move(jwk_json)) {}

  std::string Algorithm() const override { return spec_.name; }

  // Built once in MakeKeySigner: every ACME request with a "jwk" header and every key
  // authorization (RFC 8555 §8.1) needs it.
  std::string PublicJwkJson() const override { return jwk_json_; }

  // Hashes, then signs the digest with a signing context prepared once per signer: OpenSSL 3.0
  // looks the algorithm up by name on every EVP_DigestSignInit, which cost as much as the ECDSA
  // arithmetic itself. The context is shared by all threads of a run, hence the mutex.
  util::Result<std::string> Sign(std::string_view signing_input) const override {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    if (EVP_Digest(signing_input.data(), signing_input.size(), digest, &digest_length, spec_.md,
                   nullptr) != 1) {
      return Fail(OpenSslError(std::string("hash JWS input (") + spec_.name + ")"));
    }
    std::string signature;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!sign_ctx_) MC_RETURN_IF_ERROR(PrepareSignContext());
      size_t length = 0;
      if (EVP_PKEY_sign(sign_ctx_.get(), nullptr, &length, digest, digest_length) != 1) {
        return Fail(OpenSslError(std::string("sign JWS (") + spec_.name + ")"));
      }
      signature.resize(length);
      if (EVP_PKEY_sign(sign_ctx_.get(), reinterpret_cast<unsigned char*>(signature.data()),
                        &length, digest, digest_length) != 1) {
        return Fail(OpenSslError(std::string("sign JWS (") + spec_.name + ")"));
      }
      signature.resize(length);
    }
    if (spec_.ec_field_bytes == 0) return signature;
    return EcdsaDerToRaw(signature, spec_.ec_field_bytes);
  }

 private:
  util::Result<void> PrepareSignContext() const {
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.impl()->pkey, nullptr));
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1) {
      return Fail(OpenSslError(std::string("prepare JWS signing (") + spec_.name + ")"));
    }
    // RS256 is RSASSA-PKCS1-v1_5 over a DigestInfo for SHA-256 (RFC 7518 §3.3); the padding
    // mode wraps the digest only when it knows which hash produced it.
    if (spec_.ec_field_bytes == 0 &&
        (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
         EVP_PKEY_CTX_set_signature_md(ctx.get(), spec_.md) != 1)) {
      return Fail(OpenSslError("prepare JWS signing (RS256)"));
    }
    sign_ctx_ = std::move(ctx);
    return {};
  }

  PrivateKey key_;
  AlgorithmSpec spec_;
  std::string jwk_json_;
  mutable std::mutex mutex_;
  mutable EvpPkeyCtxPtr sign_ctx_;
};

std::string FlattenedJson(std::string_view protected_b64, std::string_view payload_b64,
                          std::string_view signature_b64) {
  std::string json;
  json.reserve(protected_b64.size() + payload_b64.size() + signature_b64.size() + 48);
  json.append("{\"protected\":\"").append(protected_b64);
  json.append("\",\"payload\":\"").append(payload_b64);
  json.append("\",\"signature\":\"").append(signature_b64).append("\"}");
  return json;
}

// ASCII(BASE64URL(UTF8(header)) || '.' || BASE64URL(payload)) — RFC 7515 §5.1 steps 2–6.
std::string SigningInput(std::string_view protected_b64, std::string_view payload_b64) {
  std::string input;
  input.reserve(protected_b64.size() + 1 + payload_b64.size());
  input.append(protected_b64).append(".").append(payload_b64);
  return input;
}

}  // namespace

util::Result<std::unique_ptr<JwsSigner>> MakeKeySigner(const PrivateKey& key) {
  std::optional<KeyType> type = key.Type();
  std::optional<AlgorithmSpec> spec = type ? SpecForKeyType(*type) : std::nullopt;
  if (!spec) {
    return Fail(ErrorCode::kInvalidInput,
                "the key cannot sign ACME requests: use an ec256, ec384 or rsa2048/3072/4096 key",
                "key type " + KeyTypeLabel(key.impl()->pkey));
  }
  if (spec->md == nullptr) return Fail(OpenSslError("fetch digest for " + std::string(spec->name)));
  MC_ASSIGN_OR_RETURN(std::string jwk, BuildPublicJwk(key.impl()->pkey, *spec));
  return std::unique_ptr<JwsSigner>(std::make_unique<KeySigner>(key, *spec, std::move(jwk)));
}

std::string JwkThumbprint(const JwsSigner& signer) {
  return util::Base64UrlEncode(Sha256(signer.PublicJwkJson()));
}

namespace {

// RFC 7515 §7.2.2 flattened serialization around any signing function.
template <typename SignFunction>
util::Result<std::string> Flatten(std::string_view protected_header_json, std::string_view payload,
                                  SignFunction sign) {
  if (protected_header_json.empty()) {
    return Fail(ErrorCode::kInvalidInput, "JWS protected header is empty");
  }
  std::string protected_b64 = util::Base64UrlEncode(protected_header_json);
  std::string payload_b64 = util::Base64UrlEncode(payload);
  MC_ASSIGN_OR_RETURN(std::string signature, sign(SigningInput(protected_b64, payload_b64)));
  return FlattenedJson(protected_b64, payload_b64, util::Base64UrlEncode(signature));
}

}  // namespace

util::Result<std::string> SignFlattenedJws(const JwsSigner& signer,
                                           std::string_view protected_header_json,
                                           std::string_view payload) {
  return Flatten(protected_header_json, payload,
                 [&](const std::string& input) { return signer.Sign(input); });
}

util::Result<std::string> SignFlattenedJwsHs256(std::string_view mac_key,
                                                std::string_view protected_header_json,
                                                std::string_view payload) {
  return Flatten(protected_header_json, payload,
                 [&](const std::string& input) -> util::Result<std::string> {
                   // HmacSha256's errors never include the key.
                   auto mac = HmacSha256(mac_key, input);
                   if (!mac)
                     return Fail(mac.error().WithContext("sign external account binding (HS256)"));
                   return mac;
                 });
}

util::Result<bool> VerifyJwsSignature(std::string_view public_key_der, std::string_view algorithm,
                                      std::string_view signing_input, std::string_view signature) {
  const auto* p = reinterpret_cast<const unsigned char*>(public_key_der.data());
  if (public_key_der.size() > LONG_MAX) {
    return Fail(ErrorCode::kInvalidInput, "public key is too large");
  }
  EvpPkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(public_key_der.size())));
  if (!pkey) return Fail(OpenSslError("parse public key", ErrorCode::kInvalidInput));
  std::optional<KeyType> type = KeyTypeOf(pkey.get());
  std::optional<AlgorithmSpec> spec = type ? SpecForKeyType(*type) : std::nullopt;
  // RFC 7515 §10.7 / RFC 8555 §6.2: the algorithm must be the one the key is for.
  if (!spec || algorithm != spec->name) {
    return Fail(ErrorCode::kInvalidInput, "JWS algorithm does not fit the key",
                std::string(algorithm) + " with a " + KeyTypeLabel(pkey.get()) + " key");
  }
  std::string der_signature;
  if (spec->ec_field_bytes > 0) {
    // RFC 7518 §3.4: a signature of any other length must be rejected.
    if (signature.size() != static_cast<size_t>(2 * spec->ec_field_bytes)) return false;
    auto der = EcdsaRawToDer(signature);
    if (!der) return Fail(OpenSslError("encode ECDSA signature"));
    der_signature = std::move(*der);
    signature = der_signature;
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, spec->md, nullptr, pkey.get()) != 1) {
    return Fail(OpenSslError("verify JWS signature"));
  }
  int verdict = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  // 0 and negative both mean "does not verify" for a well-formed key; the queue holds only the
  // padding or encoding complaint, which callers have no use for.
  ClearOpenSslErrors();
  return verdict == 1;
}

}  // namespace mailcert::crypto
