#pragma once
// Judging what an endpoint served: the pure half of `mailcert check` (and of deploy's
// verification). Input: Served, the names the endpoint must answer for, the trust anchors and
// the time. No I/O, so every verdict has a table test.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/x509.h"
#include "probe/probe.h"
#include "util/time.h"

namespace mailcert::probe {

struct CheckOptions {
  std::vector<std::string> names;  // names (or IP literals) the leaf must cover; may be empty
  std::string trusted_roots_pem;   // empty: the system trust store
  util::TimePoint now;             // required: the instant to judge at
};

struct CheckReport {
  std::string fingerprint_sha256;  // lowercase hex of SHA-256(leaf DER), what deploy compares
  std::string spki_sha256;         // lowercase hex of SHA-256(SubjectPublicKeyInfo), DANE 3 1 1
  std::string subject_cn;
  std::string issuer;  // the issuer's CN, or its whole DN when it has no CN
  std::vector<std::string> dns_names;
  std::string key_type;  // "ec256", "rsa2048", … (crypto::CertificateInfo::key_type)
  util::TimePoint not_after;
  // Whole days from `now` to notAfter, rounded down: 0 on its last day, negative once expired.
  int64_t days_left = 0;
  bool expired = false;         // now is after notAfter
  bool not_yet_valid = false;   // now is before notBefore
  bool chain_verifies = false;  // leaf + served intermediates reach a trusted root at `now`
  std::string chain_error;      // OpenSSL's reason when it does not, e.g. "...: certificate
                                // has expired"; empty when it does
  bool names_match = false;     // every name in CheckOptions::names is covered (true if none)
  std::vector<std::string> unmatched_names;
};

// Verifies the served chain (crypto::VerifyChain, at `now`, without a host name so that the
// chain and the name get separate verdicts), matches every expected name against the leaf and
// computes days left and fingerprints.
CheckReport CheckServed(const Served& served, const CheckOptions& options);

// True when the certificate covers `name`: an IP literal must equal an iPAddress entry; a DNS
// name must equal a dNSName entry ignoring case, or match a wildcard entry whose "*" is the
// whole left-most label and stands for exactly one label (RFC 6125 §6.4.1, §6.4.3). The subject
// CN is not consulted (RFC 6125 §6.4.4: only when there is no subjectAltName, which no public CA
// issues any more). A trailing dot on `name` is ignored.
bool CertificateCoversName(const crypto::CertificateInfo& certificate, std::string_view name);

}  // namespace mailcert::probe
