#include "crypto/test_keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <optional>
#include <vector>

#include "crypto/key_impl.h"
#include "crypto/openssl_error.h"
#include "crypto/openssl_ptr.h"
#include "util/base64.h"

namespace mailcert::crypto::testing {
namespace {

using util::ErrorCode;
using util::Fail;

using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OpenSslDeleter<OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, OpenSslDeleter<OSSL_PARAM_free>>;

// Collects BIGNUM parameters; the builder keeps pointers to them until ToParams().
class ParamSet {
 public:
  ParamSet() : builder_(OSSL_PARAM_BLD_new()) {}

  util::Result<void> AddBase64Url(const char* key, const std::string& value) {
    std::optional<std::string> bytes = util::Base64Decode(value);
    if (!bytes || bytes->empty()) {
      return Fail(ErrorCode::kInvalidInput,
                  std::string("JWK member for ") + key + " is not base64url");
    }
    BignumPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()),
                           static_cast<int>(bytes->size()), nullptr));
    if (!bn || !builder_ || OSSL_PARAM_BLD_push_BN(builder_.get(), key, bn.get()) != 1) {
      return Fail(OpenSslError("build JWK key"));
    }
    numbers_.push_back(std::move(bn));
    return {};
  }

  OSSL_PARAM_BLD* builder() { return builder_.get(); }

  util::Result<PrivateKey> Build(const char* algorithm, int selection) {
    ParamsPtr params(builder_ ? OSSL_PARAM_BLD_to_param(builder_.get()) : nullptr);
    using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX_free>>;
    CtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
    EVP_PKEY* pkey = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &pkey, selection, params.get()) != 1) {
      return Fail(OpenSslError("build key from JWK", ErrorCode::kInvalidInput));
    }
    return AdoptKey(pkey);
  }

 private:
  ParamBldPtr builder_;
  std::vector<BignumPtr> numbers_;
};

}  // namespace

util::Result<PrivateKey> RsaKeyFromJwk(const RsaJwk& jwk) {
  ParamSet params;
  MC_RETURN_IF_ERROR(params.AddBase64Url(OSSL_PKEY_PARAM_RSA_N, jwk.n));
  MC_RETURN_IF_ERROR(params.AddBase64Url(OSSL_PKEY_PARAM_RSA_E, jwk.e));
  if (jwk.d.empty()) return params.Build("RSA", EVP_PKEY_PUBLIC_KEY);
  MC_RETURN_IF_ERROR(params.AddBase64Url(OSSL_PKEY_PARAM_RSA_D, jwk.d));
  MC_RETURN_IF_ERROR(params.AddBase64Url(OSSL_PKEY_PARAM_RSA_FACTOR1, jwk.p));
  MC_RETURN_IF_ERROR(params.AddBase64Url(OSSL_PKEY_PARAM_RSA_FACTOR2, jwk.q));
  MC_RETURN_IF_ERROR(params.AddBase64Url(OSSL_PKEY_PARAM_RSA_EXPONENT1, jwk.dp));
  MC_RETURN_IF_ERROR(params.AddBase64Url(OSSL_PKEY_PARAM_RSA_EXPONENT2, jwk.dq));
  MC_RETURN_IF_ERROR(params.AddBase64Url(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, jwk.qi));
  return params.Build("RSA", EVP_PKEY_KEYPAIR);
}

util::Result<PrivateKey> EcKeyFromJwk(const EcJwk& jwk) {
  std::optional<std::string> x = util::Base64Decode(jwk.x);
  std::optional<std::string> y = util::Base64Decode(jwk.y);
  if (!x || !y || x->size() != y->size()) {
    return Fail(ErrorCode::kInvalidInput, "JWK x/y are not base64url coordinates of one size");
  }
  // SEC 1 §2.3.3 uncompressed point: 0x04 || X || Y.
  std::string point = "\x04" + *x + *y;
  ParamSet params;
  if (!params.builder() ||
      OSSL_PARAM_BLD_push_utf8_string(params.builder(), OSSL_PKEY_PARAM_GROUP_NAME, jwk.crv.c_str(),
                                      0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(params.builder(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return Fail(OpenSslError("build EC key from JWK"));
  }
  if (jwk.d.empty()) return params.Build("EC", EVP_PKEY_PUBLIC_KEY);
  MC_RETURN_IF_ERROR(params.AddBase64Url(OSSL_PKEY_PARAM_PRIV_KEY, jwk.d));
  return params.Build("EC", EVP_PKEY_KEYPAIR);
}

util::Result<PrivateKey> GenerateEd25519Key() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (pkey == nullptr) return Fail(OpenSslError("generate Ed25519 key"));
  return AdoptKey(pkey);
}

}  // namespace mailcert::crypto::testing
