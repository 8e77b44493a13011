#include "net/tls_peer_info.h"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "crypto/openssl_error.h"

namespace mailcert::net {
namespace {

using util::ErrorCode;
using util::Fail;

// Every suite that authenticates the server with a certificate; anonymous (aNULL) suites would
// let a server answer without one, which is not what a probe asks about.
constexpr char kAnyCiphers[] = "ALL:!aNULL:!eNULL:@SECLEVEL=0";
// TLS 1.2 suites by authentication algorithm (ciphers(1): aRSA, aECDSA). A server holding one
// RSA and one ECDSA certificate must pick the certificate that suits the suite (RFC 5246 §7.4.2).
constexpr char kRsaCiphers[] = "aRSA:!aNULL:!eNULL:@SECLEVEL=0";
constexpr char kEcdsaCiphers[] = "aECDSA:!aNULL:!eNULL:@SECLEVEL=0";
// signature_algorithms (RFC 8446 §4.2.3, and RFC 5246 §7.4.1.4.1 for TLS 1.2): the server must
// sign with a key of this type, so it serves the certificate holding such a key.
constexpr char kRsaSigalgs[] =
    "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:"
    "rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512:RSA+SHA1";
constexpr char kEcdsaSigalgs[] =
    "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ECDSA+SHA1";

std::string ShortName(int nid) {
  const char* name = OBJ_nid2sn(nid);
  return name != nullptr ? name : "nid" + std::to_string(nid);
}

// "RSA-PSS+SHA256", "ECDSA+SHA384", "ED25519"; empty when the server signed nothing.
std::string SignatureName(SSL* ssl) {
  int type = NID_undef;
  if (SSL_get_peer_signature_type_nid(ssl, &type) != 1 || type == NID_undef) return "";
  std::string name;
  switch (type) {
    case EVP_PKEY_RSA:
      name = "RSA";
      break;
    case EVP_PKEY_RSA_PSS:
      name = "RSA-PSS";
      break;
    case EVP_PKEY_EC:
      name = "ECDSA";
      break;
    case EVP_PKEY_ED25519:
      return "ED25519";  // pure EdDSA: no separate digest (RFC 8446 §4.2.3)
    case EVP_PKEY_ED448:
      return "ED448";
    default:
      name = ShortName(type);
  }
  int digest = NID_undef;
  if (SSL_get_peer_signature_nid(ssl, &digest) == 1 && digest != NID_undef) {
    name += "+" + ShortName(digest);
  }
  return name;
}

}  // namespace

util::Result<SSL_CTX*> NewProbeContext(TlsKeyRestriction restriction) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return Fail(crypto::OpenSslError("create TLS context", ErrorCode::kInternal));
  // After SSL_CTX_new, so these override the system-wide openssl.cnf (Debian raises the
  // security level to 2 there, which would turn a weak certificate into a handshake failure).
  SSL_CTX_set_security_level(ctx, 0);
  bool ok = SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) == 1;
  switch (restriction) {
    case TlsKeyRestriction::kAny:
      ok = ok && SSL_CTX_set_cipher_list(ctx, kAnyCiphers) == 1;
      break;
    case TlsKeyRestriction::kRsaOnly:
      ok = ok && SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) == 1 &&
           SSL_CTX_set_cipher_list(ctx, kRsaCiphers) == 1 &&
           SSL_CTX_set1_sigalgs_list(ctx, kRsaSigalgs) == 1;
      break;
    case TlsKeyRestriction::kEcdsaOnly:
      ok = ok && SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) == 1 &&
           SSL_CTX_set_cipher_list(ctx, kEcdsaCiphers) == 1 &&
           SSL_CTX_set1_sigalgs_list(ctx, kEcdsaSigalgs) == 1;
      break;
  }
  if (!ok) {
    SSL_CTX_free(ctx);
    return Fail(crypto::OpenSslError("configure TLS context", ErrorCode::kInternal));
  }
  // One connection per probe: a session ticket would only be kept to be thrown away.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  return ctx;
}

util::Result<TlsPeer> DescribePeer(SSL* ssl, const std::string& context) {
  TlsPeer peer;
  // On the client side the peer chain starts with the server's own certificate
  // (SSL_get_peer_cert_chain(3)).
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  const int count = chain != nullptr ? sk_X509_num(chain) : 0;
  for (int i = 0; i < count; ++i) {
    X509* cert = sk_X509_value(chain, i);
    unsigned char* der = nullptr;
    int length = i2d_X509(cert, &der);
    if (length <= 0) return Fail(crypto::OpenSslError(context + ": encode a served certificate"));
    peer.chain_der.emplace_back(reinterpret_cast<char*>(der), static_cast<size_t>(length));
    OPENSSL_free(der);
  }
  if (peer.chain_der.empty()) {
    return Fail(ErrorCode::kProtocol, context + ": the server sent no certificate");
  }
  peer.version = SSL_get_version(ssl);
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  peer.cipher = cipher != nullptr ? SSL_CIPHER_get_name(cipher) : "";
  peer.signature = SignatureName(ssl);
  return peer;
}

}  // namespace mailcert::net
