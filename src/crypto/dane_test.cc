// TLSA matching against chains from a throwaway CA; the expected digests come from the openssl
// command line (x509 → pkey → dgst), not from mailcert's own hashing.
#include "crypto/dane.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "crypto/test_ca.h"
#include "util/strings.h"

namespace mailcert::crypto {
namespace {

// Runs a shell pipeline and returns what it printed.
std::string Shell(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[512];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  ::pclose(pipe);
  return output;
}

// The hex digest `openssl dgst -<digest>` prints for the DER certificate (selector 0) or its
// public key (selector 1).
std::string OpensslDigest(const std::string& der, int selector, const std::string& digest) {
  // A file of its own: ctest runs these tests as parallel processes.
  std::string path = ::testing::TempDir() + "/dane_test_cert_XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) return "mkstemp failed";
  ::close(fd);
  std::ofstream(path, std::ios::binary) << der;
  const std::string selected = selector == 0
                                   ? "cat " + path
                                   : "openssl x509 -inform DER -in " + path +
                                         " -pubkey -noout | openssl pkey -pubin -outform DER";
  std::string out = Shell(selected + " | openssl dgst -" + digest + " -r");
  std::remove(path.c_str());
  return out.substr(0, out.find(' '));
}

TlsaAssociation Record(uint8_t usage, uint8_t selector, uint8_t matching, std::string hex) {
  return {usage, selector, matching, util::HexDecode(hex).value_or("")};
}

class DaneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto chain = testing::MakeTestChain({"mail.example.test"});
    ASSERT_TRUE(chain) << chain.error().message;
    leaf_ = chain->leaf_der;
    intermediate_ = chain->intermediate_der;
    sent_ = {leaf_, intermediate_};
    auto other = testing::MakeTestChain({"mail.example.test"});
    ASSERT_TRUE(other);
    other_ = {other->leaf_der, other->intermediate_der};
  }
  std::string leaf_, intermediate_;
  std::vector<std::string> sent_, other_;
};

TEST_F(DaneTest, DaneEeMatchesTheLeafKeyByEveryMatchingType) {
  const std::string spki256 = OpensslDigest(leaf_, 1, "sha256");
  ASSERT_EQ(spki256.size(), 64u);
  EXPECT_TRUE(MatchesTlsa(Record(3, 1, 1, spki256), sent_));
  EXPECT_TRUE(MatchesTlsa(Record(3, 1, 2, OpensslDigest(leaf_, 1, "sha512")), sent_));
  EXPECT_TRUE(MatchesTlsa(Record(3, 0, 1, OpensslDigest(leaf_, 0, "sha256")), sent_));
  EXPECT_TRUE(MatchesTlsa({3, 0, 0, leaf_}, sent_));
  EXPECT_EQ(TlsaText(DaneEeSpkiSha256(leaf_)), "3 1 1 " + spki256);
  // Another key, another certificate: no match.
  EXPECT_FALSE(MatchesTlsa(Record(3, 1, 1, spki256), other_));
  EXPECT_FALSE(MatchesTlsa(Record(3, 0, 1, OpensslDigest(leaf_, 0, "sha256")), other_));
}

TEST_F(DaneTest, DaneTaMatchesACertificateAfterTheLeafButNotTheLeaf) {
  const std::string issuer = OpensslDigest(intermediate_, 1, "sha256");
  EXPECT_TRUE(MatchesTlsa(Record(2, 1, 1, issuer), sent_));
  EXPECT_FALSE(MatchesTlsa(Record(2, 1, 1, OpensslDigest(leaf_, 1, "sha256")), sent_))
      << "a trust-anchor record does not match the leaf itself";
  EXPECT_FALSE(MatchesTlsa(Record(2, 1, 1, issuer), {leaf_}))
      << "the server did not send the trust anchor";
}

TEST_F(DaneTest, UnusableRecordsNeverMatch) {
  const std::string spki256 = OpensslDigest(leaf_, 1, "sha256");
  EXPECT_FALSE(MatchesTlsa(Record(4, 1, 1, spki256), sent_)) << "unknown usage";
  EXPECT_FALSE(MatchesTlsa(Record(3, 2, 1, spki256), sent_)) << "unknown selector";
  EXPECT_FALSE(MatchesTlsa(Record(3, 1, 3, spki256), sent_)) << "unknown matching type";
  EXPECT_FALSE(MatchesTlsa(Record(3, 1, 1, spki256), {})) << "nothing served";
}

}  // namespace
}  // namespace mailcert::crypto
