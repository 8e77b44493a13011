// BIND key files read as data: what tsig-keygen writes, comments, and malformed files whose
// errors name file:line and never show the secret.

#include "dns/tsig_key.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <ostream>

#include "sys/fs.h"

namespace mailcert::dns {
namespace {

constexpr char kSecret[] = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=";

TEST(TsigKeyTest, ReadsWhatTsigKeygenWrites) {
  auto keys = ParseBindKeys(std::string("key \"mailcert-update\" {\n\talgorithm hmac-sha256;\n"
                                        "\tsecret \"") +
                                kSecret + "\";\n};\n",
                            "update.key");
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].name(), "mailcert-update");
  EXPECT_EQ((*keys)[0].algorithm(), TsigAlgorithm::kHmacSha256);
  EXPECT_EQ((*keys)[0].secret_base64(), kSecret);
  EXPECT_EQ((*keys)[0].Describe(), "TSIG key 'mailcert-update' (hmac-sha256)");
}

TEST(TsigKeyTest, CommentsUnquotedNamesAndSeveralKeys) {
  auto keys = ParseBindKeys(std::string("# a comment\n// another\n/* and a\n block */\n"
                                        "key Update.Example.COM. { algorithm HMAC-SHA512; "
                                        "secret \"") +
                                kSecret +
                                "\"; }; # trailing\n"
                                "key \"second\" { secret \"" +
                                kSecret + "\"; algorithm hmac-sha256.; };\n",
                            "keys.conf");
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].name(), "update.example.com");
  EXPECT_EQ((*keys)[0].algorithm(), TsigAlgorithm::kHmacSha512);
  EXPECT_EQ((*keys)[1].name(), "second");
  EXPECT_EQ((*keys)[1].algorithm(), TsigAlgorithm::kHmacSha256);
}

struct Malformed {
  const char* label;
  std::string text;
  const char* expected;  // the message must contain this (with file:line)
};

void PrintTo(const Malformed& m, std::ostream* os) { *os << m.label; }

std::string MalformedName(const ::testing::TestParamInfo<Malformed>& info) {
  std::string name;
  for (const char* p = info.param.label; *p != '\0'; ++p) {
    if (std::isalnum(static_cast<unsigned char>(*p))) name += *p;
    if (*p == ' ') name += '_';
  }
  return name;
}

class MalformedKeyFileTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedKeyFileTest, NamesFileAndLineWithoutTheSecret) {
  const Malformed& m = GetParam();
  auto keys = ParseBindKeys(m.text, "/etc/mailcert/tsig.key");
  ASSERT_FALSE(keys) << m.label;
  EXPECT_EQ(keys.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(keys.error().message.find(m.expected), std::string::npos)
      << m.label << ": " << keys.error().message;
  EXPECT_EQ(keys.error().message.find("c2VjcmV0"), std::string::npos) << keys.error().message;
  EXPECT_EQ(keys.error().message.find("NOT-BASE64"), std::string::npos) << keys.error().message;
}

const std::string kGoodSecret = std::string("secret \"") + kSecret + "\";";

INSTANTIATE_TEST_SUITE_P(
    Files, MalformedKeyFileTest,
    ::testing::Values(
        Malformed{"empty", "# nothing\n", "/etc/mailcert/tsig.key:2: no key statement"},
        Malformed{"missing semicolon",
                  "key \"k\" {\n  algorithm hmac-sha256\n  " + kGoodSecret + "\n};\n",
                  "tsig.key:3: expected ';' after the algorithm"},
        Malformed{"no algorithm", "key \"k\" {\n  " + kGoodSecret + "\n};\n",
                  "tsig.key:1: key 'k' has no algorithm clause"},
        Malformed{"no secret", "key \"k\" {\n algorithm hmac-sha256;\n};\n",
                  "tsig.key:1: key 'k' has no secret clause"},
        Malformed{"unsupported algorithm",
                  "key \"k\" {\n  algorithm hmac-md5;\n  " + kGoodSecret + "\n};\n",
                  "tsig.key:2: TSIG algorithm \"hmac-md5\" of key 'k' is not supported"},
        Malformed{"bad base64",
                  "key \"k\" {\n  algorithm hmac-sha256;\n  secret \"NOT-BASE64!\";\n};\n",
                  "tsig.key:3: the secret of TSIG key 'k' is not valid base64"},
        Malformed{"secret without clause keyword",
                  "key \"k\" {\n  algorithm hmac-sha256;\n  \"NOT-BASE64\";\n};\n",
                  "tsig.key:3: unexpected clause in key 'k'"},
        Malformed{"unclosed", "key \"k\" {\n  algorithm hmac-sha256;\n  " + kGoodSecret + "\n",
                  "tsig.key:4: key 'k' is not closed"},
        Malformed{"unterminated string", "key \"k\" {\n  secret \"NOT-BASE64;\n};\n",
                  "tsig.key:2: unterminated quoted string"},
        Malformed{"unterminated comment", "/* key\n", "tsig.key:1: unterminated /* comment"},
        Malformed{"other statement", "options { directory \"/x\"; };\n",
                  "tsig.key:1: expected a key statement"},
        Malformed{"duplicate key",
                  "key k { algorithm hmac-sha256; " + kGoodSecret +
                      " };\nkey k { algorithm "
                      "hmac-sha256; " +
                      kGoodSecret + " };\n",
                  "tsig.key:2: key 'k' is defined twice"},
        Malformed{
            "repeated secret",
            "key k {\n algorithm hmac-sha256;\n " + kGoodSecret + "\n " + kGoodSecret + "\n};\n",
            "tsig.key:4: key 'k' has more than one secret clause"}),
    MalformedName);

TEST(TsigKeyTest, FromValuesChecksEachValue) {
  EXPECT_TRUE(TsigKey::FromValues("k", "hmac-sha512", kSecret));
  EXPECT_FALSE(TsigKey::FromValues("", "hmac-sha256", kSecret));
  EXPECT_FALSE(TsigKey::FromValues("k", "hmac-sha1", kSecret));
  auto bad = TsigKey::FromValues("k", "hmac-sha256", "secret with spaces");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.find("secret with spaces"), std::string::npos);
  // base64url input is accepted and handed to the signer in standard base64.
  auto url = TsigKey::FromValues("k", "hmac-sha256", "-_-_");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->secret_base64(), "+/+/");
}

// Key files on the real filesystem (no sockets, so still a unit test).
class TsigKeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "mailcert-tsig-XXXXXX");
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text, mode_t mode) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(TsigKeyFileTest, PicksTheNamedKey) {
  std::string path = Write("two.key",
                           "key a { algorithm hmac-sha256; " + kGoodSecret +
                               " };\nkey b { algorithm hmac-sha512; " + kGoodSecret + " };\n",
                           0640);
  auto ambiguous = LoadBindKeyFile(sys::RealFs(), path);
  ASSERT_FALSE(ambiguous);
  EXPECT_NE(ambiguous.error().message.find("holds 2 keys (a, b)"), std::string::npos)
      << ambiguous.error().message;
  auto b = LoadBindKeyFile(sys::RealFs(), path, "B");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->algorithm(), TsigAlgorithm::kHmacSha512);
  auto c = LoadBindKeyFile(sys::RealFs(), path, "c");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("has no key named \"c\""), std::string::npos);
}

TEST_F(TsigKeyFileTest, RefusesAWorldReadableFile) {
  std::string path =
      Write("open.key", "key a { algorithm hmac-sha256; " + kGoodSecret + " };\n", 0644);
  auto open = LoadBindKeyFile(sys::RealFs(), path);
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().message.find("chmod o-r " + path), std::string::npos)
      << open.error().message;
}

TEST_F(TsigKeyFileTest, MissingFileIsNotFound) {
  auto missing = LoadBindKeyFile(sys::RealFs(), (dir_ / "nope.key").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, util::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace mailcert::dns
