#include "probe/check.h"

#include <arpa/inet.h>

#include <chrono>

#include "crypto/hash.h"
#include "util/strings.h"

namespace mailcert::probe {
namespace {

// The 16 (IPv6) or 4 (IPv4) address bytes of a literal, empty when `text` is not one; brackets
// allowed. Comparing bytes makes "::1" and "0:0::1" the same address.
std::string AddressBytes(std::string_view text) {
  std::string bare(text);
  if (bare.size() >= 2 && bare.front() == '[' && bare.back() == ']') {
    bare = bare.substr(1, bare.size() - 2);
  }
  unsigned char bytes[16];
  if (inet_pton(AF_INET, bare.c_str(), bytes) == 1) return std::string(bytes, bytes + 4);
  if (inet_pton(AF_INET6, bare.c_str(), bytes) == 1) return std::string(bytes, bytes + 16);
  return "";
}

bool DnsNameMatches(std::string_view pattern, std::string_view name) {
  if (util::EqualsIgnoreCase(pattern, name)) return true;
  // RFC 6125 §6.4.3: "*" only as the complete left-most label; it matches one label, so
  // "*.example.org" covers "mail.example.org" but neither "example.org" nor "a.b.example.org".
  if (pattern.size() < 3 || pattern.substr(0, 2) != "*.") return false;
  const size_t dot = name.find('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  return util::EqualsIgnoreCase(pattern.substr(1), name.substr(dot));
}

}  // namespace

bool CertificateCoversName(const crypto::CertificateInfo& certificate, std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return false;
  const std::string address = AddressBytes(name);
  if (!address.empty()) {
    for (const std::string& entry : certificate.ip_addresses) {
      if (AddressBytes(entry) == address) return true;
    }
    return false;  // an IP identifier never matches a dNSName (RFC 6125 §1.7.2, RFC 8738 §3)
  }
  for (const std::string& entry : certificate.dns_names) {
    if (DnsNameMatches(entry, name)) return true;
  }
  return false;
}

CheckReport CheckServed(const Served& served, const CheckOptions& options) {
  const crypto::CertificateInfo& leaf = served.leaf;
  CheckReport report;
  report.fingerprint_sha256 = util::HexEncode(leaf.fingerprint_sha256);
  report.spki_sha256 = util::HexEncode(leaf.spki_sha256);
  report.subject_cn = leaf.subject_cn;
  report.issuer = leaf.issuer_cn.empty() ? leaf.issuer_dn : leaf.issuer_cn;
  report.dns_names = leaf.dns_names;
  report.key_type = leaf.key_type;
  report.not_after = leaf.not_after;
  report.days_left = std::chrono::floor<std::chrono::days>(leaf.not_after - options.now).count();
  report.expired = options.now > leaf.not_after;
  report.not_yet_valid = options.now < leaf.not_before;

  crypto::VerifyOptions verify;
  verify.trusted_roots_pem = options.trusted_roots_pem;
  verify.at = options.now;
  if (auto verified = crypto::VerifyChain(served.chain_der, verify); verified) {
    report.chain_verifies = true;
  } else {
    report.chain_error = verified.error().ToString();
  }

  for (const std::string& name : options.names) {
    if (!CertificateCoversName(leaf, name)) report.unmatched_names.push_back(name);
  }
  report.names_match = report.unmatched_names.empty();
  return report;
}

}  // namespace mailcert::probe
