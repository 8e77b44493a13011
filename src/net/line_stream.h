#pragma once
// A line-oriented conversation with a server: what the STARTTLS dialogues of SMTP, IMAP, POP3 and
// ManageSieve need before the handshake. TlsClientStream is the one real implementation; probe/
// tests substitute a scripted fake, so every dialogue is tested without sockets.

#include <string>
#include <string_view>

#include "util/result.h"

namespace mailcert::net {

class LineStream {
 public:
  virtual ~LineStream() = default;

  // Returns the next line without its line ending (CRLF, or a bare LF from a sloppy server).
  // Errors: kNetwork (the peer closed the connection, or a socket error), kTimeout (no complete
  // line within the read timeout), kProtocol (a line longer than the stream's limit).
  virtual util::Result<std::string> ReadLine() = 0;

  // Sends `line` followed by CRLF (RFC 5321 §2.3.8, RFC 9051 §2.2, RFC 1939 §3, RFC 5804 §1.2).
  // Errors: kNetwork, kTimeout.
  virtual util::Result<void> WriteLine(std::string_view line) = 0;

  // "127.0.0.1:2525" or "[::1]:993": how messages name the server.
  virtual std::string PeerName() const = 0;
};

}  // namespace mailcert::net
