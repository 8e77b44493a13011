#include "crypto/pkey_util.h"

#include <openssl/asn1.h>
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
        case NID_X9_62_prime256v1:
          return KeyType::kEc256;
        case NID_secp384r1:
          return KeyType::kEc384;
        default:
          return std::nullopt;
      }
    case EVP_PKEY_RSA:
      switch (EVP_PKEY_get_bits(pkey)) {
        case 2048:
          return KeyType::kRsa2048;
        case 3072:
          return KeyType::kRsa3072;
        case 4096:
          return KeyType::kRsa4096;
        default:
          return std::nullopt;
      }
    default:
      return std::nullopt;
  }
}

std::string KeyTypeLabel(const EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC:
      switch (CurveNid(pkey)) {
        case NID_X9_62_prime256v1:
          return "ec256";
        case NID_secp384r1:
          return "ec384";
        case NID_secp521r1:
          return "ec521";
        default:
          return "other";
      }
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
      return "rsa" + std::to_string(EVP_PKEY_get_bits(pkey));
    case EVP_PKEY_ED25519:
      return "ed25519";
    case EVP_PKEY_ED448:
      return "ed448";
    default:
      return "other";
  }
}

std::string SpkiDer(const EVP_PKEY* pkey) {
  unsigned char* der = nullptr;
  int length = -1;
  X509PubkeyPtr pub(X509_PUBKEY_new());
  if (pub && SetSubjectPublicKey(pub.get(), pkey)) {
    length = i2d_X509_PUBKEY(pub.get(), &der);
  } else {
    length = i2d_PUBKEY(pkey, &der);  // Ed25519 and other rare types: the generic encoder
  }
  if (length <= 0) {
    ClearOpenSslErrors();
    return {};
  }
  OpenSslBytesPtr owner(der);
  return std::string(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
}

bool SetSubjectPublicKey(X509_PUBKEY* pub, const EVP_PKEY* pkey) {
  ASN1_OBJECT* algorithm = nullptr;
  int parameter_type = V_ASN1_UNDEF;
  void* parameter = nullptr;
  unsigned char* key_bits = nullptr;
  size_t key_length = 0;
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC: {
      // RFC 5480 §2.1.1: id-ecPublicKey with the namedCurve OID; §2.2: the ECPoint octets.
      const int curve = CurveNid(pkey);
      if (curve == NID_undef ||
          EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0,
                                          &key_length) != 1) {
        break;
      }
      key_bits = static_cast<unsigned char*>(OPENSSL_malloc(key_length));
      if (key_bits == nullptr ||
          EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, key_bits,
                                          key_length, &key_length) != 1) {
        break;
      }
      algorithm = OBJ_nid2obj(NID_X9_62_id_ecPublicKey);
      parameter_type = V_ASN1_OBJECT;
      parameter = OBJ_nid2obj(curve);
      break;
    }
    case EVP_PKEY_RSA: {
      // RFC 3279 §2.3.1: rsaEncryption with NULL parameters; RSAPublicKey ::= SEQUENCE {
      // modulus INTEGER, publicExponent INTEGER }.
      BIGNUM* n = nullptr;
      BIGNUM* e = nullptr;
      EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n);
      EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e);
      BignumPtr n_owner(n), e_owner(e);
      Asn1IntegerPtr modulus(n ? BN_to_ASN1_INTEGER(n, nullptr) : nullptr);
      Asn1IntegerPtr exponent(e ? BN_to_ASN1_INTEGER(e, nullptr) : nullptr);
      if (!modulus || !exponent) break;
      const int content =
          i2d_ASN1_INTEGER(modulus.get(), nullptr) + i2d_ASN1_INTEGER(exponent.get(), nullptr);
      const int total = ASN1_object_size(1, content, V_ASN1_SEQUENCE);
      if (content <= 0 || total <= 0) break;
      key_bits = static_cast<unsigned char*>(OPENSSL_malloc(static_cast<size_t>(total)));
      if (key_bits == nullptr) break;
      unsigned char* out = key_bits;
      ASN1_put_object(&out, 1, content, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
      i2d_ASN1_INTEGER(modulus.get(), &out);
      i2d_ASN1_INTEGER(exponent.get(), &out);
      key_length = static_cast<size_t>(total);
      algorithm = OBJ_nid2obj(NID_rsaEncryption);
      parameter_type = V_ASN1_NULL;
      break;
    }
    default:
      break;
  }
  // The OBJ_nid2obj objects are static, so handing them over (set0) needs no copy.
  if (algorithm == nullptr || X509_PUBKEY_set0_param(pub, algorithm, parameter_type, parameter,
                                                     key_bits, static_cast<int>(key_length)) != 1) {
    OPENSSL_free(key_bits);
    ClearOpenSslErrors();
    return false;
  }
  return true;
}

int EcFieldBytes(const EVP_PKEY* pkey) {
  if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC) return 0;
  switch (CurveNid(pkey)) {
    case NID_X9_62_prime256v1:
      return 32;
    case NID_secp384r1:
      return 48;
    default:
      return 0;
  }
}

}  // namespace mailcert::crypto
