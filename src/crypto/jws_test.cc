#include "crypto/jws.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/test_keys.h"
#include "util/base64.h"

namespace mailcert::crypto {
namespace {

using util::Base64Decode;
using util::Base64UrlEncode;

// RFC 7515 Appendix A: the JWS Payload shared by A.1–A.3, base64url-encoded.
constexpr char kRfcPayloadB64[] =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
// The same payload's octets: lines joined by CRLF, one leading space on lines 2–3.
constexpr char kRfcPayload[] =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";

// RFC 7515 Appendix A.2.1: the RSA key.
testing::RsaJwk Rfc7515RsaJwk() {
  testing::RsaJwk jwk;
  jwk.n =
      "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0"
      "Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXnd"
      "S5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5Ih"
      "lJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
  jwk.e = "AQAB";
  jwk.d =
      "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2"
      "NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X"
      "0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGU"
      "l_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ";
  jwk.p =
      "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_P"
      "y5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc";
  jwk.q =
      "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7Tje"
      "LQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc";
  jwk.dp =
      "BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKn"
      "u1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0";
  jwk.dq =
      "h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0"
      "ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU";
  jwk.qi =
      "IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5c"
      "Y7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U";
  return jwk;
}

// RFC 7515 Appendix A.2.1: the signature over "eyJhbGciOiJSUzI1NiJ9" "." kRfcPayloadB64.
constexpr char kRfc7515Rs256Signature[] =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";

// RFC 7515 Appendix A.3.1: the P-256 key and its example signature.
testing::EcJwk Rfc7515EcJwk() {
  return {"P-256", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
          "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
          "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"};
}
constexpr char kRfc7515Es256Signature[] =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA"
    "pmWQxfKTUJqPP3-Kg6NU1Q";

std::string RfcSigningInput(const char* protected_b64) {
  return std::string(protected_b64) + "." + kRfcPayloadB64;
}

std::unique_ptr<JwsSigner> SignerFor(const PrivateKey& key) {
  auto signer = MakeKeySigner(key);
  EXPECT_TRUE(signer) << signer.error().ToString();
  return signer ? std::move(*signer) : nullptr;
}

TEST(JwsRs256Test, Rfc7515AppendixA2SignatureIsExact) {
  auto key = testing::RsaKeyFromJwk(Rfc7515RsaJwk());
  ASSERT_TRUE(key) << key.error().ToString();
  auto signer = SignerFor(*key);
  ASSERT_NE(signer, nullptr);
  EXPECT_EQ(signer->Algorithm(), "RS256");

  // RSASSA-PKCS1-v1_5 is deterministic, so the bytes must equal the RFC's.
  auto signature = signer->Sign(RfcSigningInput("eyJhbGciOiJSUzI1NiJ9"));
  ASSERT_TRUE(signature) << signature.error().ToString();
  EXPECT_EQ(signature->size(), 256u);
  EXPECT_EQ(Base64UrlEncode(*signature), kRfc7515Rs256Signature);

  // The same through the flattened serialization, from the header and payload octets.
  auto jws = SignFlattenedJws(*signer, "{\"alg\":\"RS256\"}", kRfcPayload);
  ASSERT_TRUE(jws) << jws.error().ToString();
  auto json = nlohmann::json::parse(*jws);
  EXPECT_EQ(json.size(), 3u);
  EXPECT_EQ(json["protected"], "eyJhbGciOiJSUzI1NiJ9");
  EXPECT_EQ(json["payload"], kRfcPayloadB64);
  EXPECT_EQ(json["signature"], kRfc7515Rs256Signature);
}

TEST(JwsRs256Test, Rfc7515RsaKeyJwkIsCanonical) {
  auto key = testing::RsaKeyFromJwk(Rfc7515RsaJwk());
  ASSERT_TRUE(key);
  auto signer = SignerFor(*key);
  ASSERT_NE(signer, nullptr);
  EXPECT_EQ(signer->PublicJwkJson(),
            "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"" + Rfc7515RsaJwk().n + "\"}");
}

TEST(JwsEs256Test, Rfc7515AppendixA3SignatureVerifies) {
  auto key = testing::EcKeyFromJwk(Rfc7515EcJwk());
  ASSERT_TRUE(key) << key.error().ToString();
  const std::string input = RfcSigningInput("eyJhbGciOiJFUzI1NiJ9");
  auto rfc_signature = Base64Decode(kRfc7515Es256Signature);
  ASSERT_TRUE(rfc_signature);
  ASSERT_EQ(rfc_signature->size(), 64u);

  auto verdict = VerifyJwsSignature(key->PublicKeyDer(), "ES256", input, *rfc_signature);
  ASSERT_TRUE(verdict) << verdict.error().ToString();
  EXPECT_TRUE(*verdict);

  // One flipped bit in s, or in the input, must fail.
  std::string tampered = *rfc_signature;
  tampered[40] = static_cast<char>(tampered[40] ^ 0x01);
  EXPECT_FALSE(VerifyJwsSignature(key->PublicKeyDer(), "ES256", input, tampered).value());
  EXPECT_FALSE(
      VerifyJwsSignature(key->PublicKeyDer(), "ES256", input + " ", *rfc_signature).value());
}

TEST(JwsEs256Test, OurSignaturesOverTheRfcInputVerify) {
  auto key = testing::EcKeyFromJwk(Rfc7515EcJwk());
  ASSERT_TRUE(key);
  auto signer = SignerFor(*key);
  ASSERT_NE(signer, nullptr);
  EXPECT_EQ(signer->Algorithm(), "ES256");
  EXPECT_EQ(signer->PublicJwkJson(),
            "{\"crv\":\"P-256\",\"kty\":\"EC\","
            "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
            "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}");

  const std::string input = RfcSigningInput("eyJhbGciOiJFUzI1NiJ9");
  auto first = signer->Sign(input);
  auto second = signer->Sign(input);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->size(), 64u);  // raw r || s, not DER
  EXPECT_NE(*first, *second);     // ECDSA is randomized
  EXPECT_TRUE(VerifyJwsSignature(key->PublicKeyDer(), "ES256", input, *first).value());
  EXPECT_TRUE(VerifyJwsSignature(key->PublicKeyDer(), "ES256", input, *second).value());
}

TEST(JwsEs256Test, ShortRAndSAreZeroPadded) {
  // r or s below 2^248 happens about once in 128 signatures; over 2000 signatures the padding path
  // is all but certain to run, and every signature must stay 64 bytes and verify.
  auto key = PrivateKey::Generate(KeyType::kEc256);
  ASSERT_TRUE(key);
  auto signer = SignerFor(*key);
  ASSERT_NE(signer, nullptr);
  const std::string spki = key->PublicKeyDer();
  int padded = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string input = "input " + std::to_string(i);
    auto signature = signer->Sign(input);
    ASSERT_TRUE(signature);
    ASSERT_EQ(signature->size(), 64u);
    if ((*signature)[0] == 0 || (*signature)[32] == 0) ++padded;
    ASSERT_TRUE(VerifyJwsSignature(spki, "ES256", input, *signature).value()) << i;
  }
  EXPECT_GT(padded, 0);
}

TEST(JwsEs384Test, SignaturesAre96BytesAndVerify) {
  auto key = PrivateKey::Generate(KeyType::kEc384);
  ASSERT_TRUE(key);
  auto signer = SignerFor(*key);
  ASSERT_NE(signer, nullptr);
  EXPECT_EQ(signer->Algorithm(), "ES384");
  auto signature = signer->Sign("abc.def");
  ASSERT_TRUE(signature);
  EXPECT_EQ(signature->size(), 96u);
  EXPECT_TRUE(VerifyJwsSignature(key->PublicKeyDer(), "ES384", "abc.def", *signature).value());
  // The algorithm must be the key's (RFC 7515 §10.7).
  auto wrong = VerifyJwsSignature(key->PublicKeyDer(), "ES256", "abc.def", *signature);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, util::ErrorCode::kInvalidInput);
  // A DER-sized or truncated signature is simply invalid.
  EXPECT_FALSE(
      VerifyJwsSignature(key->PublicKeyDer(), "ES384", "abc.def", signature->substr(1)).value());
}

TEST(JwkTest, EcCoordinatesAreZeroPaddedToTheFieldSize) {
  // About one P-256 key in 128 has an x or y below 2^248; find one.
  bool found = false;
  for (int i = 0; i < 5000 && !found; ++i) {
    auto key = PrivateKey::Generate(KeyType::kEc256);
    ASSERT_TRUE(key);
    auto signer = SignerFor(*key);
    auto jwk = nlohmann::json::parse(signer->PublicJwkJson());
    auto x = Base64Decode(jwk["x"].get<std::string>());
    auto y = Base64Decode(jwk["y"].get<std::string>());
    ASSERT_TRUE(x && y);
    ASSERT_EQ(x->size(), 32u);
    ASSERT_EQ(y->size(), 32u);
    // The SPKI's uncompressed point (its last 65 bytes) holds the same coordinates.
    EXPECT_EQ(key->PublicKeyDer().substr(key->PublicKeyDer().size() - 64), *x + *y);
    found = (*x)[0] == 0 || (*y)[0] == 0;
  }
  EXPECT_TRUE(found);
}

TEST(JwkTest, MembersInLexicographicOrderWithoutWhitespace) {
  for (KeyType type : {KeyType::kEc384, KeyType::kRsa2048}) {
    auto key = PrivateKey::Generate(type);
    ASSERT_TRUE(key);
    auto signer = SignerFor(*key);
    const std::string jwk = signer->PublicJwkJson();
    EXPECT_EQ(jwk.find_first_of(" \n\t"), std::string::npos);
    auto json = nlohmann::json::parse(jwk);
    EXPECT_EQ(json.dump(), jwk);  // nlohmann orders members lexicographically
    if (type == KeyType::kEc384) {
      EXPECT_EQ(json["crv"], "P-384");
      EXPECT_EQ(Base64Decode(json["x"].get<std::string>())->size(), 48u);
    } else {
      EXPECT_EQ(json["e"], "AQAB");
      auto n = Base64Decode(json["n"].get<std::string>());
      EXPECT_EQ(n->size(), 256u);
      EXPECT_NE((*n)[0], 0) << "n must have no leading zero octet";
    }
  }
}

TEST(JwkThumbprintTest, Rfc7638Section3_1Example) {
  testing::RsaJwk jwk;
  jwk.n =
      "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_B"
      "JECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_F"
      "DW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4"
      "vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
  jwk.e = "AQAB";
  auto key = testing::RsaKeyFromJwk(jwk);  // public half only: enough for the JWK
  ASSERT_TRUE(key) << key.error().ToString();
  auto signer = SignerFor(*key);
  ASSERT_NE(signer, nullptr);
  // RFC 7638 §3.3: the exact hash input.
  EXPECT_EQ(signer->PublicJwkJson(), "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"" + jwk.n + "\"}");
  EXPECT_EQ(JwkThumbprint(*signer), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(FlattenedJwsTest, SignsProtectedDotPayloadAndAllowsEmptyPayload) {
  for (KeyType type : {KeyType::kEc256, KeyType::kRsa2048}) {
    auto key = PrivateKey::Generate(type);
    ASSERT_TRUE(key);
    auto signer = SignerFor(*key);
    const std::string header = "{\"alg\":\"" + signer->Algorithm() +
                               "\",\"nonce\":\"abc\",\"url\":\"https://ca.test/acme/order/1\"}";
    for (const std::string& payload : {std::string("{\"status\":\"ready\"}"), std::string()}) {
      auto jws = SignFlattenedJws(*signer, header, payload);
      ASSERT_TRUE(jws) << jws.error().ToString();
      auto json = nlohmann::json::parse(*jws);
      ASSERT_EQ(json.size(), 3u);
      const std::string protected_b64 = json["protected"];
      const std::string payload_b64 = json["payload"];
      EXPECT_EQ(Base64Decode(protected_b64), header);
      EXPECT_EQ(payload_b64, Base64UrlEncode(payload));  // "" for POST-as-GET (RFC 8555 §6.3)
      auto signature = Base64Decode(json["signature"].get<std::string>());
      ASSERT_TRUE(signature);
      EXPECT_TRUE(VerifyJwsSignature(key->PublicKeyDer(), signer->Algorithm(),
                                     protected_b64 + "." + payload_b64, *signature)
                      .value());
    }
  }
}

TEST(FlattenedJwsTest, Hs256MatchesRfc7515AppendixA1) {
  auto key = Base64Decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(key);
  auto jws = SignFlattenedJwsHs256(*key, "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}", kRfcPayload);
  ASSERT_TRUE(jws) << jws.error().ToString();
  auto json = nlohmann::json::parse(*jws);
  EXPECT_EQ(json["protected"], "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9");
  EXPECT_EQ(json["payload"], kRfcPayloadB64);
  EXPECT_EQ(json["signature"], "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
}

TEST(FlattenedJwsTest, Hs256ErrorsNeverContainTheKey) {
  auto jws = SignFlattenedJwsHs256("", "{\"alg\":\"HS256\"}", "{}");
  ASSERT_FALSE(jws);
  EXPECT_EQ(jws.error().code, util::ErrorCode::kInvalidInput);
  auto no_header = SignFlattenedJwsHs256("s3cr3t-mac-key", "", "{}");
  ASSERT_FALSE(no_header);
  EXPECT_EQ(no_header.error().ToString().find("s3cr3t"), std::string::npos);
}

TEST(MakeKeySignerTest, RejectsKeysAcmeCannotUse) {
  auto ed25519 = testing::GenerateEd25519Key();
  ASSERT_TRUE(ed25519);
  auto signer = MakeKeySigner(*ed25519);
  ASSERT_FALSE(signer);
  EXPECT_EQ(signer.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(signer.error().ToString().find("ed25519"), std::string::npos);
}

TEST(MakeKeySignerTest, PublicOnlyKeyCannotSign) {
  testing::RsaJwk jwk = Rfc7515RsaJwk();
  jwk.d.clear();
  auto key = testing::RsaKeyFromJwk(jwk);
  ASSERT_TRUE(key);
  auto signer = SignerFor(*key);
  ASSERT_NE(signer, nullptr);
  auto signature = signer->Sign("a.b");
  ASSERT_FALSE(signature);
  EXPECT_EQ(signature.error().code, util::ErrorCode::kCrypto);
  EXPECT_FALSE(signature.error().detail.empty());  // the OpenSSL queue's reasons
}

}  // namespace
}  // namespace mailcert::crypto
