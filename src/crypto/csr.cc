#include "crypto/csr.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <climits>
#include <memory>

#include "crypto/digests.h"
#include "crypto/key_impl.h"
#include "crypto/openssl_error.h"
#include "crypto/openssl_ptr.h"
#include "crypto/pkey_util.h"
#include "util/strings.h"

namespace mailcert::crypto {
namespace {

using util::ErrorCode;
using util::Fail;

using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpenSslDeleter<GENERAL_NAME_free>>;

// RFC 5280 Appendix A.1: ub-common-name INTEGER ::= 64.
constexpr size_t kMaxCommonNameLength = 64;

// A dNSName is an IA5String (RFC 5280 §4.2.1.6) holding an A-label form name (RFC 5890):
// printable ASCII only. International names must be converted to punycode before they get here.
bool IsPlausibleDnsName(std::string_view name) {
  for (char c : name) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

// dNSName, or iPAddress (4 or 16 octets, RFC 5280 §4.2.1.6) for an IPv4/IPv6 literal
// (RFC 8738 identifiers).
util::Result<GeneralNamePtr> MakeGeneralName(const std::string& name) {
  if (name.empty()) return Fail(ErrorCode::kInvalidInput, "a certificate name is empty");
  GeneralNamePtr general(GENERAL_NAME_new());
  if (!general) return Fail(OpenSslError("build subjectAltName"));
  if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(name.c_str()); ip != nullptr) {
    GENERAL_NAME_set0_value(general.get(), GEN_IPADD, ip);
    return general;
  }
  ClearOpenSslErrors();
  // A DNS name never holds ':', so this was meant as an IPv6 literal (maybe with a zone id or
  // brackets, which certificates cannot carry).
  if (name.find(':') != std::string::npos || !IsPlausibleDnsName(name)) {
    return Fail(ErrorCode::kInvalidInput, "not a DNS name or IP address: " + util::Quote(name));
  }
  ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
  if (dns == nullptr || name.size() > INT_MAX ||
      ASN1_STRING_set(dns, name.data(), static_cast<int>(name.size())) != 1) {
    ASN1_IA5STRING_free(dns);
    return Fail(OpenSslError("build subjectAltName"));
  }
  GENERAL_NAME_set0_value(general.get(), GEN_DNS, dns);
  return general;
}

util::Result<GeneralNamesPtr> MakeSubjectAltNames(const std::vector<std::string>& names) {
  GeneralNamesPtr general_names(sk_GENERAL_NAME_new_null());
  if (!general_names) return Fail(OpenSslError("build subjectAltName"));
  for (const std::string& name : names) {
    MC_ASSIGN_OR_RETURN(GeneralNamePtr general, MakeGeneralName(name));
    if (sk_GENERAL_NAME_push(general_names.get(), general.get()) <= 0) {
      return Fail(OpenSslError("build subjectAltName"));
    }
    general.release();  // now owned by the stack
  }
  return general_names;
}

}  // namespace

util::Result<std::string> MakeCsrDer(const PrivateKey& key, const std::vector<std::string>& names) {
  if (names.empty()) return Fail(ErrorCode::kInvalidInput, "a certificate needs at least one name");
  EVP_PKEY* pkey = key.impl()->pkey;
  if (!KeyTypeOf(pkey)) {
    return Fail(ErrorCode::kInvalidInput,
                "the key cannot be used for a certificate: use an ec256, ec384 or "
                "rsa2048/3072/4096 key",
                "key type " + KeyTypeLabel(pkey));
  }
  MC_ASSIGN_OR_RETURN(GeneralNamesPtr alt_names, MakeSubjectAltNames(names));

  X509ReqPtr request(X509_REQ_new());
  // PKCS#10 v1 is the only version; it is encoded as 0 (RFC 2986 §4.1).
  if (!request || X509_REQ_set_version(request.get(), X509_REQ_VERSION_1) != 1) {
    return Fail(OpenSslError("build CSR"));
  }

  // The CN is informational for ACME CAs, which take names from the SAN extension (RFC 8555
  // §7.4); servers that still log the CN get the first name. A longer name cannot be a CN
  // (ub-common-name), so the subject stays empty.
  const std::string& first = names.front();
  const bool has_subject = first.size() <= kMaxCommonNameLength;
  if (has_subject && X509_NAME_add_entry_by_NID(
                         X509_REQ_get_subject_name(request.get()), NID_commonName, MBSTRING_UTF8,
                         reinterpret_cast<const unsigned char*>(first.data()),
                         static_cast<int>(first.size()), -1, 0) != 1) {
    return Fail(OpenSslError("build CSR subject"));
  }
  // The fast path fills the request's own SubjectPublicKeyInfo in place (see pkey_util.h).
  if (!SetSubjectPublicKey(X509_REQ_get_X509_PUBKEY(request.get()), pkey) &&
      X509_REQ_set_pubkey(request.get(), pkey) != 1) {
    return Fail(OpenSslError("build CSR"));
  }

  // Only subjectAltName is requested. No TLS Feature (OCSP Must-Staple, RFC 7633): Let's Encrypt
  // ended OCSP and rejects orders asking for it.
  // RFC 5280 §4.2.1.6: with an empty subject the extension must be critical.
  X509ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
  X509_EXTENSION* san = X509V3_EXT_i2d(NID_subject_alt_name, has_subject ? 0 : 1, alt_names.get());
  if (!extensions || san == nullptr || sk_X509_EXTENSION_push(extensions.get(), san) <= 0) {
    X509_EXTENSION_free(san);
    return Fail(OpenSslError("build CSR subjectAltName"));
  }
  if (X509_REQ_add_extensions(request.get(), extensions.get()) != 1) {
    return Fail(OpenSslError("build CSR extensions"));
  }

  // SHA-256 for both ECDSA and RSA (PKCS#1 v1.5): what every ACME CA accepts.
  if (X509_REQ_sign(request.get(), pkey, Sha256Md()) <= 0) return Fail(OpenSslError("sign CSR"));

  unsigned char* der = nullptr;
  int length = i2d_X509_REQ(request.get(), &der);
  if (length <= 0) return Fail(OpenSslError("encode CSR"));
  OpenSslBytesPtr owner(der);
  return std::string(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
}

}  // namespace mailcert::crypto
