#include "crypto/pkey_util.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>

#include "crypto/openssl_error.h"
#include "crypto/openssl_ptr.h"

namespace mailcert::crypto {
namespace {

// NID of an EC key's named curve, or NID_undef.
int CurveNid(const EVP_PKEY* pkey) {
  char name[80];
  size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
                                     &length) != 1) {
    ClearOpenSslErrors();
    return NID_undef;
  }
  // OpenSSL reports "prime256v1"/"secp384r1"; accept the NIST spelling too.
  int nid = OBJ_sn2nid(name);
  if (nid == NID_undef) nid = EC_curve_nist2nid(name);
  return nid;
}

}  // namespace

std::optional<KeyType> KeyTypeOf(const EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC:
      switch (CurveNid(pkey)) {
        case NID_X9_62_prime256v1: return KeyType::kEc256;
        case NID_secp384r1: return KeyType::kEc384;
        default: return std::nullopt;
      }
    case EVP_PKEY_RSA:
      switch (EVP_PKEY_get_bits(pkey)) {
        case 2048: return KeyType::kRsa2048;
        case 3072: return KeyType::kRsa3072;
        case 4096: return KeyType::kRsa4096;
        default: return std::nullopt;
      }
    default:
      return std::nullopt;
  }
}

std::string KeyTypeLabel(const EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC:
      switch (CurveNid(pkey)) {
        case NID_X9_62_prime256v1: return "ec256";
        case NID_secp384r1: return "ec384";
        case NID_secp521r1: return "ec521";
        default: return "other";
      }
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
      return "rsa" + std::to_string(EVP_PKEY_get_bits(pkey));
    case EVP_PKEY_ED25519: return "ed25519";
    case EVP_PKEY_ED448: return "ed448";
    default: return "other";
  }
}

std::string SpkiDer(const EVP_PKEY* pkey) {
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(pkey, &der);
  if (length <= 0) {
    ClearOpenSslErrors();
    return {};
  }
  OpenSslBytesPtr owner(der);
  return std::string(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
}

int EcFieldBytes(const EVP_PKEY* pkey) {
  if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC) return 0;
  switch (CurveNid(pkey)) {
    case NID_X9_62_prime256v1: return 32;
    case NID_secp384r1: return 48;
    default: return 0;
  }
}

}  // namespace mailcert::crypto
