#include "probe_fixture.h"

namespace mailcert::probe {

void ServerProbeTest::SetUp() {
  auto pki = TestPki::Create();
  ASSERT_TRUE(pki) << pki.error().ToString();
  pki_.emplace(std::move(*pki));
}

LeafFiles ServerProbeTest::Leaf(const std::string& stem, LeafSpec spec) {
  auto files = pki_->Write(certs_.path(), stem, spec);
  EXPECT_TRUE(files) << files.error().ToString();
  return files ? *files : LeafFiles{};
}

CheckReport ServerProbeTest::Check(const Served& served, const std::string& name,
                                   util::TimePoint now) const {
  return CheckServed(served, {{name}, pki_->RootPem(), now});
}

void ServerProbeTest::ExpectEachServes(const std::vector<Endpoint>& endpoints,
                                       const std::string& fingerprint,
                                       const std::function<std::string()>& server_log) {
  for (const Endpoint& endpoint : endpoints) {
    auto served = Probe(endpoint, LoopbackOptions());
    ASSERT_TRUE(served) << DescribeEndpoint(endpoint) << ": " << served.error().ToString()
                        << (server_log ? "\n" + server_log() : "");
    EXPECT_EQ(Fingerprint(*served), fingerprint) << DescribeEndpoint(endpoint);
  }
}

void ServerProbeTest::ExpectEachServesAfterReload(const std::vector<Endpoint>& endpoints,
                                                  const std::string& fingerprint) {
  for (const Endpoint& endpoint : endpoints) {
    auto served = ProbeUntilServed(endpoint, LoopbackOptions(), fingerprint);
    ASSERT_TRUE(served) << DescribeEndpoint(endpoint) << ": " << served.error().ToString();
    EXPECT_EQ(Fingerprint(*served), fingerprint) << DescribeEndpoint(endpoint);
  }
}

}  // namespace mailcert::probe
