#pragma once
// Certificate files for the probe tests against real servers: a test CA (root → intermediate)
// whose leaves are written in the shapes the servers read — fullchain + key for Dovecot and
// nginx, key + certificate + chain in one file for Postfix's smtpd_tls_chain_files — and a probe
// that retries until a reloaded server serves the expected leaf.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "crypto/key.h"
#include "crypto/test_ca.h"
#include "probe/probe.h"
#include "util/result.h"
#include "util/time.h"

namespace mailcert::probe {

struct LeafFiles {
  std::filesystem::path fullchain;  // leaf + intermediate
  std::filesystem::path key;        // PKCS#8, 0600
  std::filesystem::path combined;   // key + leaf + intermediate (Postfix)
  std::string leaf_der;
  std::string fingerprint;  // lowercase hex SHA-256 of leaf_der, as CheckReport has it
};

struct LeafSpec {
  std::vector<std::string> names{};
  crypto::KeyType key_type = crypto::KeyType::kEc256;
  util::TimePoint not_before{};  // default: an hour ago
  util::TimePoint not_after{};   // default: not_before + 90 days
};

class TestPki {
 public:
  // A root and an intermediate, as a public CA issues from. Errors: kCrypto.
  static util::Result<TestPki> Create();

  // Issues a leaf and writes <dir>/<stem>.{fullchain.pem,key.pem,combined.pem}, replacing files
  // of the same names (what a deploy does, minus the atomic rename). Errors: kCrypto, kIo.
  util::Result<LeafFiles> Write(const std::filesystem::path& dir, const std::string& stem,
                                const LeafSpec& spec) const;

  std::string RootPem() const { return root_->cert_pem(); }

 private:
  TestPki() = default;
  std::shared_ptr<crypto::testing::TestCa> root_;
  std::shared_ptr<crypto::testing::TestCa> intermediate_;
};

// The hex SHA-256 fingerprint of what was served.
std::string Fingerprint(const Served& served);

// Probes until the endpoint serves the leaf with `fingerprint` or `timeout` passes (servers
// reload at their own pace); returns the last result either way.
util::Result<Served> ProbeUntilServed(const Endpoint& endpoint, const ProbeOptions& options,
                                      const std::string& fingerprint,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(20));

// Probe with short timeouts, for loopback servers.
ProbeOptions LoopbackOptions(net::TlsKeyRestriction restriction = net::TlsKeyRestriction::kAny);

}  // namespace mailcert::probe
