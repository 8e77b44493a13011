#pragma once
// X.509 certificates: parsing the fields mailcert reports and decides on, chain verification,
// and key/certificate matching by public key (works for RSA, ECDSA and Ed25519 alike).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/key.h"
#include "util/result.h"
#include "util/time.h"

namespace mailcert::crypto {

struct CertificateInfo {
  std::string der;
  std::string serial_hex;          // lowercase hex, as `openssl x509 -serial` prints it, no "0x"
  std::string serial_bytes;        // DER INTEGER contents (big-endian, as encoded) — ARI CertID
  std::string subject_cn;          // empty when the subject has no CN
  std::string issuer_cn;
  std::string issuer_dn;           // one-line RFC 2253 form
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  // textual
  util::TimePoint not_before;
  util::TimePoint not_after;
  std::string key_type;            // "ec256", "ec384", "rsa2048", …, "ed25519", or "other"
  std::string public_key_der;      // SubjectPublicKeyInfo DER
  std::string spki_sha256;         // raw 32 bytes; DANE 3 1 1 (RFC 6698 §2.1.2)
  std::string fingerprint_sha256;  // raw 32 bytes of SHA-256(der)
  std::string authority_key_id;    // raw keyIdentifier bytes, empty when absent
  bool is_ca = false;
};

// Parses one certificate from DER or PEM (the first CERTIFICATE block of a PEM bundle).
// Errors: kInvalidInput.
util::Result<CertificateInfo> ParseCertificate(std::string_view der_or_pem);

// Splits a PEM bundle into the DER of each CERTIFICATE block, in order.
// Errors: kInvalidInput when there is no certificate or a block does not decode.
util::Result<std::vector<std::string>> SplitPemCertificates(std::string_view pem);

std::string DerToPem(std::string_view der);  // "-----BEGIN CERTIFICATE-----\n…"

struct VerifyOptions {
  // Trusted roots as a PEM bundle; empty means the system trust store.
  std::string trusted_roots_pem;
  // Verification time (certificates must be valid then). The default (the epoch) means now.
  util::TimePoint at;
  // When non-empty, the leaf must cover this DNS name (wildcards per RFC 6125 §6.4.3), or this
  // IP address when it is an IPv4/IPv6 literal (an iPAddress entry, RFC 8738).
  std::string host_name;
};

// Verifies chain_der[0] (the leaf) up to a trusted root, using the rest as untrusted
// intermediates. Errors: kCrypto with OpenSSL's reason ("certificate has expired", "unable to get
// local issuer certificate", "hostname mismatch") in the message.
util::Result<void> VerifyChain(const std::vector<std::string>& chain_der,
                               const VerifyOptions& options);

// True when the certificate's SubjectPublicKeyInfo equals the key's public half.
bool KeyMatchesCertificate(const PrivateKey& key, const CertificateInfo& certificate);

}  // namespace mailcert::crypto
