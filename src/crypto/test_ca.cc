#include "crypto/test_ca.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>

#include "crypto/digests.h"
#include "crypto/hash.h"
#include "crypto/key_impl.h"
#include "crypto/openssl_error.h"
#include "crypto/openssl_ptr.h"
#include "crypto/x509.h"
#include "crypto/x509_internal.h"
#include "util/strings.h"

namespace mailcert::crypto::testing {
namespace {

using util::Fail;

enum class Role { kCa, kLeaf };

struct Validity {
  util::TimePoint not_before;
  util::TimePoint not_after;
};

Validity ResolveValidity(util::TimePoint not_before, util::TimePoint not_after,
                         std::chrono::hours default_lifetime) {
  if (not_before == util::TimePoint{}) {
    not_before = std::chrono::system_clock::now() - std::chrono::hours(1);
  }
  if (not_after == util::TimePoint{}) not_after = not_before + default_lifetime;
  return {not_before, not_after};
}

util::Result<void> AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* extension = X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str());
  if (extension == nullptr || X509_add_ext(cert, extension, -1) != 1) {
    X509_EXTENSION_free(extension);
    return Fail(OpenSslError("add certificate extension " + value));
  }
  X509_EXTENSION_free(extension);
  return {};
}

util::Result<void> SetSerial(X509* cert, const std::string& serial_hex) {
  std::string hex = serial_hex;
  if (hex.empty()) {
    MC_ASSIGN_OR_RETURN(std::string random, RandomBytes(16));
    random[0] = static_cast<char>(random[0] & 0x7f);  // positive (RFC 5280 §4.1.2.2)
    hex = util::HexEncode(random);
  }
  BIGNUM* raw = nullptr;
  if (BN_hex2bn(&raw, hex.c_str()) == 0) return Fail(OpenSslError("set serial " + hex));
  BignumPtr bn(raw);
  if (BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return Fail(OpenSslError("set serial " + hex));
  }
  return {};
}

// issuer == nullptr makes a self-signed certificate.
util::Result<std::string> Issue(const PrivateKey& subject_key, const CertOptions& options,
                                Validity validity, Role role, X509* issuer,
                                const PrivateKey& issuer_key) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return Fail(OpenSslError("build certificate"));
  }
  MC_RETURN_IF_ERROR(SetSerial(cert.get(), options.serial_hex));
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (role == Role::kCa &&
      X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("mailcert tests"), -1, -1,
                                 0) != 1) {
    return Fail(OpenSslError("build certificate subject"));
  }
  if (!options.common_name.empty() &&
      X509_NAME_add_entry_by_txt(
          subject, "CN", MBSTRING_UTF8,
          reinterpret_cast<const unsigned char*>(options.common_name.c_str()), -1, -1, 0) != 1) {
    return Fail(OpenSslError("build certificate subject"));
  }
  if (X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject) != 1 ||
      X509_set_pubkey(cert.get(), subject_key.impl()->pkey) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(cert.get()),
                    std::chrono::system_clock::to_time_t(validity.not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()),
                    std::chrono::system_clock::to_time_t(validity.not_after)) == nullptr) {
    return Fail(OpenSslError("build certificate"));
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  MC_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  MC_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_authority_key_identifier,
                                  issuer ? "keyid:always" : "keyid"));
  if (role == Role::kCa) {
    MC_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE"));
    MC_RETURN_IF_ERROR(
        AddExtension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign"));
  } else {
    const bool rsa = EVP_PKEY_get_base_id(subject_key.impl()->pkey) == EVP_PKEY_RSA;
    MC_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"));
    MC_RETURN_IF_ERROR(AddExtension(
        cert.get(), &ctx, NID_key_usage,
        rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature"));
    MC_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth"));
  }
  if (!options.names.empty()) {
    std::string alt_names;
    for (const std::string& name : options.names) {
      ASN1_OCTET_STRING* ip = a2i_IPADDRESS(name.c_str());
      ASN1_OCTET_STRING_free(ip);
      alt_names += (alt_names.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + name;
    }
    ClearOpenSslErrors();
    MC_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_alt_name, alt_names));
  }

  // Ed25519 signs the message itself (RFC 8410 §6): no separate digest.
  EVP_PKEY* signer = issuer_key.impl()->pkey;
  const EVP_MD* md = EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED25519 ? nullptr : Sha256Md();
  if (X509_sign(cert.get(), signer, md) <= 0) return Fail(OpenSslError("sign certificate"));
  unsigned char* der = nullptr;
  int length = i2d_X509(cert.get(), &der);
  if (length <= 0) return Fail(OpenSslError("encode certificate"));
  OpenSslBytesPtr owner(der);
  return std::string(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
}

constexpr std::chrono::hours kCaLifetime{24 * 3650};
constexpr std::chrono::hours kLeafLifetime{24 * 90};

}  // namespace

util::Result<TestCa> TestCa::CreateRoot(const std::string& common_name, KeyType key_type) {
  MC_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::Generate(key_type));
  CertOptions options;
  options.common_name = common_name;
  MC_ASSIGN_OR_RETURN(std::string der, Issue(key, options, ResolveValidity({}, {}, kCaLifetime),
                                             Role::kCa, nullptr, key));
  return TestCa(std::move(key), std::move(der));
}

util::Result<TestCa> TestCa::CreateIntermediate(const std::string& common_name,
                                                KeyType key_type) const {
  MC_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::Generate(key_type));
  MC_ASSIGN_OR_RETURN(X509Ptr issuer, ParseX509(cert_der_));
  CertOptions options;
  options.common_name = common_name;
  MC_ASSIGN_OR_RETURN(std::string der, Issue(key, options, ResolveValidity({}, {}, kCaLifetime),
                                             Role::kCa, issuer.get(), key_));
  return TestCa(std::move(key), std::move(der));
}

util::Result<std::string> TestCa::IssueLeaf(const PrivateKey& subject_key,
                                            const CertOptions& options) const {
  MC_ASSIGN_OR_RETURN(X509Ptr issuer, ParseX509(cert_der_));
  return Issue(subject_key, options,
               ResolveValidity(options.not_before, options.not_after, kLeafLifetime), Role::kLeaf,
               issuer.get(), key_);
}

std::string TestCa::cert_pem() const { return DerToPem(cert_der_); }

std::string TestChain::ChainPem() const { return DerToPem(intermediate_der); }
std::string TestChain::FullChainPem() const {
  return DerToPem(leaf_der) + DerToPem(intermediate_der);
}
std::string TestChain::RootPem() const { return DerToPem(root_der); }

util::Result<TestChain> MakeTestChain(const std::vector<std::string>& names,
                                      KeyType leaf_key_type) {
  MC_ASSIGN_OR_RETURN(TestCa root, TestCa::CreateRoot());
  MC_ASSIGN_OR_RETURN(TestCa intermediate, root.CreateIntermediate("mailcert test intermediate"));
  MC_ASSIGN_OR_RETURN(PrivateKey leaf_key, PrivateKey::Generate(leaf_key_type));
  CertOptions options;
  // RFC 5280 ub-common-name: a longer first name leaves the subject empty, as in MakeCsrDer.
  if (!names.empty() && names.front().size() <= 64) options.common_name = names.front();
  options.names = names;
  MC_ASSIGN_OR_RETURN(std::string leaf_der, intermediate.IssueLeaf(leaf_key, options));
  return TestChain{std::move(leaf_key), std::move(leaf_der), intermediate.cert_der(),
                   root.cert_der()};
}

}  // namespace mailcert::crypto::testing
