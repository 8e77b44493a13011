#pragma once
// The OpenSSL side of TlsClientStream: the client context a probe uses, and what a finished
// handshake tells about the server. Internal to net/.

#include <openssl/ssl.h>

#include <string>

#include "net/tls_client.h"
#include "util/result.h"

namespace mailcert::net {

// A client context that completes handshakes with any certificate (no verification) and any
// key size or protocol version OpenSSL still implements (security level 0, TLS 1.0 and up), with
// the cipher suites and signature algorithms narrowed per `restriction`. Caller frees it.
// Errors: kInternal (OpenSSL rejected our own cipher or algorithm list: a bug).
util::Result<SSL_CTX*> NewProbeContext(TlsKeyRestriction restriction);

// The served chain (DER, leaf first), version, cipher and signature of a finished handshake.
// Errors: kProtocol "<context>: the server sent no certificate".
util::Result<TlsPeer> DescribePeer(SSL* ssl, const std::string& context);

}  // namespace mailcert::net
