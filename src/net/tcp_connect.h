#pragma once
// Bounded TCP connects for TlsClientStream. Internal to net/.

#include <chrono>
#include <string>

#include "util/result.h"

namespace mailcert::net {

struct TcpConnection {
  int fd = -1;            // non-blocking, close-on-exec; the caller owns it
  std::string peer_name;  // "127.0.0.1:25", "[::1]:993"
};

// Resolves `host` (name or IP literal; "[::1]" brackets are accepted) with getaddrinfo and
// connects to each address in the order the resolver returns them (RFC 6724 preference) until
// one accepts, waiting at most `timeout` per address.
// Errors: kInvalidInput (empty host, port outside 1..65535), kNetwork (resolution failed; every
// address refused or unreachable, each named with its errno text), kTimeout (the only or last
// address did not answer in time).
util::Result<TcpConnection> ConnectTcp(const std::string& host, int port,
                                       std::chrono::milliseconds timeout);

// Strips one pair of brackets from an IPv6 literal ("[::1]" → "::1"); other text unchanged.
std::string StripBrackets(const std::string& host);

// "10 s", "250 ms": a timeout as messages show it.
std::string TimeoutText(std::chrono::milliseconds timeout);

// True when `host` is an IPv4 or IPv6 literal (brackets allowed).
bool IsIpLiteral(const std::string& host);

}  // namespace mailcert::net
