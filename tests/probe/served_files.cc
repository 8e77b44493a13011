#include "served_files.h"

#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "crypto/hash.h"
#include "crypto/x509.h"
#include "util/strings.h"

namespace mailcert::probe {
namespace {

util::Result<void> WriteFile(const std::filesystem::path& path, const std::string& content,
                             mode_t mode) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out.flush()) return util::Fail(util::ErrorCode::kIo, "write " + path.string());
  out.close();
  ::chmod(path.c_str(), mode);
  return {};
}

}  // namespace

util::Result<TestPki> TestPki::Create() {
  MC_ASSIGN_OR_RETURN(crypto::testing::TestCa root,
                      crypto::testing::TestCa::CreateRoot("mailcert probe test root"));
  MC_ASSIGN_OR_RETURN(crypto::testing::TestCa intermediate,
                      root.CreateIntermediate("mailcert probe test intermediate"));
  TestPki pki;
  pki.root_ = std::make_shared<crypto::testing::TestCa>(std::move(root));
  pki.intermediate_ = std::make_shared<crypto::testing::TestCa>(std::move(intermediate));
  return pki;
}

util::Result<LeafFiles> TestPki::Write(const std::filesystem::path& dir, const std::string& stem,
                                       const LeafSpec& spec) const {
  MC_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(spec.key_type));
  crypto::testing::CertOptions options;
  options.common_name = spec.names.empty() ? "" : spec.names.front();
  options.names = spec.names;
  options.not_before = spec.not_before;
  options.not_after = spec.not_after;
  MC_ASSIGN_OR_RETURN(std::string leaf_der, intermediate_->IssueLeaf(key, options));
  MC_ASSIGN_OR_RETURN(std::string key_pem, key.ToPem());
  const std::string fullchain = crypto::DerToPem(leaf_der) + intermediate_->cert_pem();

  LeafFiles files;
  files.fullchain = dir / (stem + ".fullchain.pem");
  files.key = dir / (stem + ".key.pem");
  files.combined = dir / (stem + ".combined.pem");
  files.leaf_der = leaf_der;
  files.fingerprint = util::HexEncode(crypto::Sha256(leaf_der));
  MC_RETURN_IF_ERROR(WriteFile(files.fullchain, fullchain, 0644));
  MC_RETURN_IF_ERROR(WriteFile(files.key, key_pem, 0600));
  // smtpd_tls_chain_files (postconf(5)): the key first, then the certificate and its chain.
  MC_RETURN_IF_ERROR(WriteFile(files.combined, key_pem + fullchain, 0600));
  return files;
}

std::string Fingerprint(const Served& served) {
  return util::HexEncode(crypto::Sha256(served.chain_der.front()));
}

util::Result<Served> ProbeUntilServed(const Endpoint& endpoint, const ProbeOptions& options,
                                      const std::string& fingerprint,
                                      std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    util::Result<Served> served = Probe(endpoint, options);
    if (served && Fingerprint(*served) == fingerprint) return served;
    if (std::chrono::steady_clock::now() >= deadline) return served;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

ProbeOptions LoopbackOptions(net::TlsKeyRestriction restriction) {
  ProbeOptions options;
  options.connect_timeout = std::chrono::seconds(5);
  options.io_timeout = std::chrono::seconds(10);
  options.key_restriction = restriction;
  options.ehlo_name = "probe.example.test";
  return options;
}

}  // namespace mailcert::probe
