#include "crypto/x509.h"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <climits>
#include <cstring>
#include <ctime>

#include "crypto/hash.h"
#include "crypto/key_impl.h"
#include "crypto/openssl_error.h"
#include "crypto/openssl_ptr.h"
#include "crypto/pkey_util.h"
#include "crypto/x509_internal.h"
#include "util/base64.h"
#include "util/strings.h"

namespace mailcert::crypto {
namespace {

using util::ErrorCode;
using util::Fail;

std::string AsnStringBytes(const ASN1_STRING* value) {
  if (value == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                     static_cast<size_t>(ASN1_STRING_length(value)));
}

// The first CN of a name as UTF-8, or "" when there is none.
std::string CommonName(const X509_NAME* name) {
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) {
    ClearOpenSslErrors();
    return {};
  }
  OpenSslBytesPtr owner(utf8);
  return std::string(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length));
}

// RFC 2253 one-line form ("CN=R11,O=Let's Encrypt,C=US"), except that non-ASCII characters stay
// UTF-8 instead of becoming \XX escapes: this string is for people.
std::string OneLineName(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  const unsigned long flags = (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) {
    ClearOpenSslErrors();
    return {};
  }
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return length > 0 ? std::string(data, static_cast<size_t>(length)) : std::string();
}

util::Result<util::TimePoint> ToTimePoint(const ASN1_TIME* time, const char* field) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    return Fail(OpenSslError(std::string("certificate ") + field + " is not a valid time",
                             ErrorCode::kInvalidInput));
  }
  using namespace std::chrono;
  const sys_days day = year{tm.tm_year + 1900} / month{static_cast<unsigned>(tm.tm_mon + 1)} /
                       static_cast<unsigned>(tm.tm_mday);
  return util::TimePoint(day + hours{tm.tm_hour} + minutes{tm.tm_min} + seconds{tm.tm_sec});
}

// Contents octets of the serial's DER INTEGER, exactly as encoded (a leading 0x00 stays when the
// high bit is set): ARI's CertID uses these bytes (RFC 9773 §4.1).
std::string SerialContentOctets(const ASN1_INTEGER* serial) {
  unsigned char* der = nullptr;
  int length = i2d_ASN1_INTEGER(serial, &der);
  if (length <= 2) {
    ClearOpenSslErrors();
    return {};
  }
  OpenSslBytesPtr owner(der);
  // Skip tag and length (X.690 §8.1.3: short form, or 0x8N followed by N length octets).
  size_t offset = 2;
  if (der[1] & 0x80) offset += der[1] & 0x7f;
  if (offset > static_cast<size_t>(length)) return {};
  return std::string(reinterpret_cast<const char*>(der) + offset, length - offset);
}

// What `openssl x509 -serial` prints (i2a_ASN1_INTEGER), lowercased: the magnitude's bytes in
// hex, "00" for zero, '-' before a negative value.
std::string SerialHex(const ASN1_INTEGER* serial) {
  std::string magnitude = AsnStringBytes(serial);
  std::string hex = magnitude.empty() ? "00" : util::HexEncode(magnitude);
  return ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER ? "-" + hex : hex;
}

util::Result<void> ReadSubjectAltNames(X509* cert, CertificateInfo& info) {
  int critical = -1;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, &critical, nullptr)));
  if (!names) {
    if (critical == -1) return {};  // no SAN extension at all
    return Fail(OpenSslError("certificate subjectAltName is malformed or repeated",
                             ErrorCode::kInvalidInput));
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    int type = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(name, &type));
    if (type == GEN_DNS) {
      info.dns_names.push_back(AsnStringBytes(value));
    } else if (type == GEN_IPADD) {
      char text[INET6_ADDRSTRLEN] = {};
      const int length = ASN1_STRING_length(value);
      const int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : 0;
      // inet_ntop gives the RFC 5952 canonical IPv6 text, the form users type and compare.
      if (family != 0 && inet_ntop(family, ASN1_STRING_get0_data(value), text, sizeof(text))) {
        info.ip_addresses.emplace_back(text);
      }
    }
  }
  return {};
}

util::Result<X509Ptr> DecodeDer(std::string_view der) {
  if (der.size() > LONG_MAX) return Fail(ErrorCode::kInvalidInput, "certificate is too large");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return Fail(OpenSslError("not an X.509 certificate", ErrorCode::kInvalidInput));
  if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return Fail(ErrorCode::kInvalidInput, "unexpected data after the certificate");
  }
  return cert;
}

bool LooksLikePem(std::string_view text) { return text.find("-----BEGIN ") != text.npos; }

}  // namespace

util::Result<X509Ptr> ParseX509(std::string_view der) { return DecodeDer(der); }

util::Result<CertificateInfo> ParseCertificate(std::string_view der_or_pem) {
  CertificateInfo info;
  if (LooksLikePem(der_or_pem)) {
    MC_ASSIGN_OR_RETURN(std::vector<std::string> blocks, SplitPemCertificates(der_or_pem));
    info.der = std::move(blocks.front());
  } else {
    info.der = std::string(der_or_pem);
  }
  MC_ASSIGN_OR_RETURN(X509Ptr cert, DecodeDer(info.der));

  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
  info.serial_hex = SerialHex(serial);
  info.serial_bytes = SerialContentOctets(serial);
  info.subject_cn = CommonName(X509_get_subject_name(cert.get()));
  info.issuer_cn = CommonName(X509_get_issuer_name(cert.get()));
  info.issuer_dn = OneLineName(X509_get_issuer_name(cert.get()));
  MC_RETURN_IF_ERROR(ReadSubjectAltNames(cert.get(), info));
  MC_ASSIGN_OR_RETURN(info.not_before, ToTimePoint(X509_get0_notBefore(cert.get()), "notBefore"));
  MC_ASSIGN_OR_RETURN(info.not_after, ToTimePoint(X509_get0_notAfter(cert.get()), "notAfter"));

  // The SPKI exactly as the certificate encodes it (not re-encoded from a parsed key), so DANE
  // digests match what a TLSA record publisher computes from the same certificate.
  unsigned char* spki = nullptr;
  int spki_length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &spki);
  if (spki_length <= 0) {
    return Fail(OpenSslError("certificate public key does not encode", ErrorCode::kInvalidInput));
  }
  OpenSslBytesPtr spki_owner(spki);
  info.public_key_der.assign(reinterpret_cast<const char*>(spki), spki_length);
  const EVP_PKEY* pkey = X509_get0_pubkey(cert.get());
  info.key_type = pkey != nullptr ? KeyTypeLabel(pkey) : "other";
  ClearOpenSslErrors();  // an unsupported key algorithm is reported as "other", not an error

  info.spki_sha256 = Sha256(info.public_key_der);
  info.fingerprint_sha256 = Sha256(info.der);
  info.authority_key_id = AsnStringBytes(X509_get0_authority_key_id(cert.get()));
  // EXFLAG_CA: basicConstraints cA is TRUE (RFC 5280 §4.2.1.9).
  info.is_ca = (X509_get_extension_flags(cert.get()) & EXFLAG_CA) != 0;
  return info;
}

util::Result<std::vector<std::string>> SplitPemCertificates(std::string_view pem) {
  if (pem.size() > INT_MAX) return Fail(ErrorCode::kInvalidInput, "PEM text is too large");
  ClearOpenSslErrors();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Fail(OpenSslError("read PEM"));
  std::vector<std::string> certificates;
  for (int block = 1;; ++block) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long length = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &length) != 1) {
      if (ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE) break;  // end of text
      return Fail(OpenSslError("PEM block " + std::to_string(block) + " does not decode",
                               ErrorCode::kInvalidInput));
    }
    OpenSslBytesPtr name_owner(reinterpret_cast<unsigned char*>(name));
    OpenSslBytesPtr header_owner(reinterpret_cast<unsigned char*>(header));
    OpenSslBytesPtr data_owner(data);
    // Other blocks (a private key in a combined file) are skipped, and never echoed.
    if (std::strcmp(name, PEM_STRING_X509) == 0 || std::strcmp(name, PEM_STRING_X509_OLD) == 0) {
      certificates.emplace_back(reinterpret_cast<const char*>(data), static_cast<size_t>(length));
    }
  }
  ClearOpenSslErrors();
  if (certificates.empty()) {
    return Fail(ErrorCode::kInvalidInput, "no CERTIFICATE block in the PEM text");
  }
  return certificates;
}

std::string DerToPem(std::string_view der) {
  // RFC 7468 §2: base64 lines of exactly 64 characters, the last one shorter.
  const std::string base64 = util::Base64Encode(der);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  pem.reserve(pem.size() + base64.size() + base64.size() / 64 + 32);
  for (size_t i = 0; i < base64.size(); i += 64) {
    pem.append(base64, i, 64).push_back('\n');
  }
  pem += "-----END CERTIFICATE-----\n";
  return pem;
}

bool KeyMatchesCertificate(const PrivateKey& key, const CertificateInfo& certificate) {
  if (key.PublicKeyDer() == certificate.public_key_der) return true;
  // Same key, different encoding (a certificate with a compressed EC point or explicit curve
  // parameters): compare the decoded public keys. Rare, so only on the mismatch path.
  const auto* p = reinterpret_cast<const unsigned char*>(certificate.public_key_der.data());
  EvpPkeyPtr cert_key(
      d2i_PUBKEY(nullptr, &p, static_cast<long>(certificate.public_key_der.size())));
  bool same = cert_key && EVP_PKEY_eq(key.impl()->pkey, cert_key.get()) == 1;
  ClearOpenSslErrors();
  return same;
}

}  // namespace mailcert::crypto
