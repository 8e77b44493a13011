// VerifyChain (x509.h): path validation (RFC 5280 §6) and host name checks (RFC 6125) done by
// OpenSSL's X509_verify_cert against a cached X509_STORE.

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "crypto/openssl_error.h"
#include "crypto/openssl_ptr.h"
#include "crypto/x509.h"
#include "crypto/x509_internal.h"

namespace mailcert::crypto {
namespace {

using util::ErrorCode;
using util::Fail;

// Returns a new reference to `store` for the caller.
X509StorePtr Share(X509_STORE* store) {
  X509_STORE_up_ref(store);
  return X509StorePtr(store);
}

// The system trust store, loaded once per process: reading /etc/ssl/certs for every check
// would cost more than the verification itself. X509_STORE locks its own lookups, so one store
// serves every thread (as an SSL_CTX's store does).
util::Result<X509StorePtr> SystemStore() {
  static X509_STORE* const store = [] {
    X509_STORE* loaded = X509_STORE_new();
    if (loaded != nullptr && X509_STORE_set_default_paths(loaded) != 1) {
      X509_STORE_free(loaded);
      loaded = nullptr;
    }
    return loaded;
  }();
  if (store == nullptr) return Fail(OpenSslError("load the system trust store"));
  return Share(store);
}

util::Result<X509StorePtr> StoreFromPem(const std::string& roots_pem) {
  MC_ASSIGN_OR_RETURN(std::vector<std::string> roots, SplitPemCertificates(roots_pem));
  X509StorePtr store(X509_STORE_new());
  if (!store) return Fail(OpenSslError("build trust store"));
  for (const std::string& der : roots) {
    auto root = ParseX509(der);
    if (!root) return Fail(root.error().WithContext("trusted roots"));
    if (X509_STORE_add_cert(store.get(), root->get()) != 1) {
      return Fail(OpenSslError("add trusted root"));
    }
  }
  return store;
}

// A store for caller-supplied roots, remembering the last bundle: a run verifies many chains
// against the same roots (the test CA's, or a private CA's).
util::Result<X509StorePtr> CustomStore(const std::string& roots_pem) {
  struct Cache {
    std::mutex mutex;
    std::string roots_pem;
    X509_STORE* store = nullptr;  // holds one reference
  };
  static Cache* const cache = new Cache();  // never destroyed (no exit-time destructor)
  std::lock_guard<std::mutex> lock(cache->mutex);
  if (cache->store != nullptr && cache->roots_pem == roots_pem) return Share(cache->store);
  MC_ASSIGN_OR_RETURN(X509StorePtr store, StoreFromPem(roots_pem));
  X509_STORE_free(cache->store);
  cache->store = Share(store.get()).release();
  cache->roots_pem = roots_pem;
  return store;
}

// Parses an intermediate, reusing recent ones: a CA signs millions of leaves with a handful of
// intermediates, and in OpenSSL 3.0 each d2i_X509 costs ~100 µs (mostly decoding the public key
// through the provider framework). Shared X509 objects are safe to verify from many threads,
// as an SSL_CTX's chain certificates are.
util::Result<X509Ptr> ParseIntermediate(const std::string& der) {
  struct Cache {
    std::mutex mutex;
    std::vector<std::pair<std::string, X509*>> entries;  // oldest first; each holds a reference
  };
  constexpr size_t kCapacity = 8;
  static Cache* const cache = new Cache();
  {
    std::lock_guard<std::mutex> lock(cache->mutex);
    for (const auto& [cached_der, cert] : cache->entries) {
      if (cached_der == der) {
        X509_up_ref(cert);
        return X509Ptr(cert);
      }
    }
  }
  MC_ASSIGN_OR_RETURN(X509Ptr cert, ParseX509(der));
  std::lock_guard<std::mutex> lock(cache->mutex);
  if (cache->entries.size() >= kCapacity) {
    X509_free(cache->entries.front().second);
    cache->entries.erase(cache->entries.begin());
  }
  X509_up_ref(cert.get());
  cache->entries.emplace_back(der, cert.get());
  return cert;
}

std::string SubjectOf(X509* cert) {
  if (cert == nullptr) return "?";
  char buffer[256];
  return X509_NAME_oneline(X509_get_subject_name(cert), buffer, sizeof(buffer)) ? buffer : "?";
}

}  // namespace

util::Result<void> VerifyChain(const std::vector<std::string>& chain_der,
                               const VerifyOptions& options) {
  if (chain_der.empty()) return Fail(ErrorCode::kInvalidInput, "the chain holds no certificate");
  ClearOpenSslErrors();
  auto leaf = ParseX509(chain_der.front());
  if (!leaf) return Fail(leaf.error().WithContext("leaf certificate"));
  X509StackPtr untrusted(sk_X509_new_null());
  if (!untrusted) return Fail(OpenSslError("verify chain"));
  for (size_t i = 1; i < chain_der.size(); ++i) {
    auto cert = ParseIntermediate(chain_der[i]);
    if (!cert) return Fail(cert.error().WithContext("chain certificate " + std::to_string(i)));
    if (sk_X509_push(untrusted.get(), cert->get()) <= 0) return Fail(OpenSslError("verify chain"));
    cert->release();  // now owned by the stack
  }

  MC_ASSIGN_OR_RETURN(X509StorePtr store, options.trusted_roots_pem.empty()
                                              ? SystemStore()
                                              : CustomStore(options.trusted_roots_pem));
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf->get(), untrusted.get()) != 1) {
    return Fail(OpenSslError("verify chain"));
  }
  // The context copies the store's parameters, so these settings stay with this call.
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  const util::TimePoint at =
      options.at == util::TimePoint{} ? std::chrono::system_clock::now() : options.at;
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(at));
  // Mail and web servers present these certificates as TLS servers: require serverAuth where an
  // EKU is present (RFC 5280 §4.2.1.12).
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  const std::string& host = options.host_name;
  if (!host.empty()) {
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str());
    if (ip != nullptr) {
      // An IP identifier (RFC 8738) matches an iPAddress entry, never a dNSName.
      ASN1_OCTET_STRING_free(ip);
      if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
        return Fail(OpenSslError("verify chain: bad IP address", ErrorCode::kInvalidInput));
      }
    } else {
      ClearOpenSslErrors();
      // RFC 6125 §6.4.3: a wildcard is only the complete left-most label ("*.example.org").
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (X509_VERIFY_PARAM_set1_host(param, host.data(), host.size()) != 1) {
        return Fail(OpenSslError("verify chain: bad host name", ErrorCode::kInvalidInput));
      }
    }
  }

  const int verdict = X509_verify_cert(ctx.get());
  if (verdict == 1) {
    ClearOpenSslErrors();
    return {};
  }
  const int error = X509_STORE_CTX_get_error(ctx.get());
  if (verdict < 0 || error == X509_V_OK) return Fail(OpenSslError("verify chain"));
  ClearOpenSslErrors();
  std::string detail = "at depth " + std::to_string(X509_STORE_CTX_get_error_depth(ctx.get())) +
                       ", " + SubjectOf(X509_STORE_CTX_get_current_cert(ctx.get()));
  if (error == X509_V_ERR_HOSTNAME_MISMATCH || error == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    detail += ", expected " + host;
  }
  return Fail(
      ErrorCode::kCrypto,
      std::string("certificate chain does not verify: ") + X509_verify_cert_error_string(error),
      std::move(detail));
}

}  // namespace mailcert::crypto
