#pragma once
// The plaintext part of each STARTTLS protocol: everything a client says and checks before the
// TLS handshake may begin. One function per protocol, each over a net::LineStream so tests can
// play the server from a script.
//
// Every function returns success exactly when the server has given its go-ahead for TLS and the
// next byte on the wire belongs to the handshake. A server that does not advertise STARTTLS (or
// STLS) is an error, never a pass: Postfix, for one, keeps serving plaintext when its certificate
// fails to load ("disabling TLS support"), and a check that passed then would hide exactly the
// failure it exists for.
//
// Errors (all functions): those of LineStream (kNetwork, kTimeout), and kProtocol with the
// server's words when it refuses, answers out of protocol, or does not offer TLS; the message
// starts with the server's address.

#include <string>

#include "net/line_stream.h"
#include "util/result.h"

namespace mailcert::probe {

// RFC 3207 §4 (and RFC 5321 §4.1.1.1 for EHLO): greeting 220, EHLO, STARTTLS among the EHLO
// keywords, STARTTLS answered 220. `ehlo_name` is our host name as EHLO announces it.
util::Result<void> SmtpStarttls(net::LineStream& stream, const std::string& ehlo_name);

// RFC 9051 §6.2.1 (RFC 2595 §3.1 for IMAP4rev1): greeting "* OK", CAPABILITY lists STARTTLS,
// tagged STARTTLS answered OK.
util::Result<void> ImapStarttls(net::LineStream& stream);

// RFC 2595 §4 with RFC 2449's CAPA: greeting "+OK", CAPA lists STLS, STLS answered "+OK".
// A server that does not know CAPA (it came later than STLS) is asked STLS directly.
util::Result<void> Pop3Stls(net::LineStream& stream);

// RFC 5804 §1.7 and §2.2: the server opens with its capabilities and OK; "STARTTLS" must be
// among them; the STARTTLS command is answered OK.
util::Result<void> SieveStarttls(net::LineStream& stream);

// Polite goodbyes after the handshake, written inside TLS without waiting for an answer:
// QUIT (RFC 5321 §4.1.1.10), LOGOUT (RFC 9051 §6.1.3), QUIT (RFC 1939 §6), LOGOUT (RFC 5804
// §2.3). Errors are ignored: the probe already has what it came for.
void SmtpQuit(net::LineStream& stream);
void ImapLogout(net::LineStream& stream);
void Pop3Quit(net::LineStream& stream);
void SieveLogout(net::LineStream& stream);

// A server line as messages show it: quoted, control characters escaped, cut at 200 bytes.
std::string ShowLine(const std::string& line);

}  // namespace mailcert::probe
