#pragma once
// Test-only: a throwaway certificate authority (root, intermediates, leaves) for tests of every
// module that handles certificates: parsing, chain checks, store/deploy fixtures, TLS probes.
// Linked only into tests (library mailcert_crypto_testing), never into the program.

#include <string>
#include <vector>

#include "crypto/key.h"
#include "util/result.h"
#include "util/time.h"

namespace mailcert::crypto::testing {

struct CertOptions {
  std::string common_name;         // subject CN; empty for an empty subject
  std::vector<std::string> names;  // subjectAltName: DNS names and IPv4/IPv6 literals
  util::TimePoint not_before{};    // default (epoch): now - 1 h
  util::TimePoint not_after{};     // default (epoch): not_before + 90 days
  std::string serial_hex;          // e.g. "8a01"; default: 16 random bytes, high bit clear
};

class TestCa {
 public:
  // A self-signed root, subject "O=mailcert tests, CN=<common_name>", valid from an hour ago
  // for ten years. Errors: kCrypto.
  static util::Result<TestCa> CreateRoot(const std::string& common_name = "mailcert test root",
                                         KeyType key_type = KeyType::kEc256);

  // An intermediate CA signed by this one, with the same validity rule as a root.
  util::Result<TestCa> CreateIntermediate(const std::string& common_name,
                                          KeyType key_type = KeyType::kEc256) const;

  // DER of a TLS server certificate for `subject_key`'s public half (any key type, Ed25519
  // included), signed by this CA: basicConstraints CA:FALSE, EKU serverAuth, SKI/AKI.
  util::Result<std::string> IssueLeaf(const PrivateKey& subject_key,
                                      const CertOptions& options) const;

  const PrivateKey& key() const { return key_; }
  const std::string& cert_der() const { return cert_der_; }
  std::string cert_pem() const;

 private:
  TestCa(PrivateKey key, std::string cert_der)
      : key_(std::move(key)), cert_der_(std::move(cert_der)) {}

  PrivateKey key_;
  std::string cert_der_;
};

// Root → intermediate → leaf for `names`, the shape a public CA issues: what store/, deploy/
// and probe/ tests need as fixture files.
struct TestChain {
  PrivateKey leaf_key;
  std::string leaf_der;
  std::string intermediate_der;
  std::string root_der;
  std::string ChainPem() const;      // intermediate only (chain.pem)
  std::string FullChainPem() const;  // leaf + intermediate (fullchain.pem)
  std::string RootPem() const;       // trust anchor for VerifyOptions::trusted_roots_pem
};
util::Result<TestChain> MakeTestChain(const std::vector<std::string>& names,
                                      KeyType leaf_key_type = KeyType::kEc256);

}  // namespace mailcert::crypto::testing
