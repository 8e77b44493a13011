#include "crypto/hash.h"

#include <gtest/gtest.h>

#include "util/strings.h"

namespace mailcert::crypto {
namespace {

TEST(Sha256Test, Fips180Vectors) {
  // FIPS 180-2 Appendix B.1 and the empty message.
  EXPECT_EQ(util::HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(util::HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha512Test, Fips180Vector) {
  // FIPS 180-2 appendix C.1, "abc".
  EXPECT_EQ(util::HexEncode(Sha512("abc")),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(Sha1Test, Rfc3174Vectors) {
  EXPECT_EQ(util::HexEncode(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(util::HexEncode(Sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST(HmacSha256Test, Rfc4231TestCase2) {
  // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
  auto mac = HmacSha256("Jefe", "what do ya want for nothing?");
  ASSERT_TRUE(mac) << mac.error().ToString();
  EXPECT_EQ(util::HexEncode(*mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256Test, EmptyKeyIsRejectedWithoutEchoingData) {
  auto mac = HmacSha256("", "payload");
  ASSERT_FALSE(mac);
  EXPECT_EQ(mac.error().code, util::ErrorCode::kInvalidInput);
}

TEST(RandomBytesTest, GivesTheRequestedCountAndVaries) {
  auto a = RandomBytes(32);
  auto b = RandomBytes(32);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);  // 2^-256 chance of a false failure
  auto none = RandomBytes(0);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace mailcert::crypto
