// IMAP with STARTTLS: RFC 9051 §6.2.1 (IMAP4rev2) and RFC 2595 §3.1 (IMAP4rev1, what most
// servers still announce).

#include <cctype>
#include <string>
#include <vector>

#include "probe/dialogues.h"
#include "util/strings.h"

namespace mailcert::probe {
namespace {

using util::ErrorCode;
using util::Fail;

// Tokens after "* CAPABILITY " (RFC 9051 §7.2.2), upper-cased: capability names are
// case-insensitive.
std::vector<std::string> CapabilityTokens(const std::string& line) {
  std::vector<std::string> tokens;
  for (std::string token : util::Split(line.substr(13), ' ')) {
    if (token.empty()) continue;
    for (char& c : token) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    tokens.push_back(std::move(token));
  }
  return tokens;
}

bool StartsWithIgnoreCase(const std::string& text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         util::EqualsIgnoreCase(std::string_view(text).substr(0, prefix.size()), prefix);
}

// Sends `command` under `tag` and reads until the tagged completion (RFC 9051 §2.2.2), passing
// each untagged line to `untagged`. Returns the completion's text after the tag ("OK ...").
template <typename Untagged>
util::Result<std::string> Command(net::LineStream& stream, const std::string& tag,
                                  const std::string& command, Untagged untagged) {
  MC_RETURN_IF_ERROR(stream.WriteLine(tag + " " + command));
  while (true) {
    // Read by reference into the result: moving the line out of it trips GCC 12's
    // -Wmaybe-uninitialized at -O3 (a false positive on std::string's inline buffer).
    auto read = stream.ReadLine();
    if (!read) return Fail(read.error());
    const std::string& line = *read;
    if (line.starts_with("* ")) {
      untagged(line);
      continue;
    }
    if (line.starts_with(tag + " ")) return line.substr(tag.size() + 1);
    return Fail(ErrorCode::kProtocol, stream.PeerName() + ": unexpected IMAP response to " +
                                          command + ": " + ShowLine(line));
  }
}

}  // namespace

util::Result<void> ImapStarttls(net::LineStream& stream) {
  const std::string peer = stream.PeerName();
  MC_ASSIGN_OR_RETURN(std::string greeting, stream.ReadLine());
  // RFC 9051 §7.1: the greeting is "* OK", "* PREAUTH" or "* BYE". STARTTLS is only valid in
  // the not-authenticated state (§6.2.1), which PREAUTH skips.
  if (StartsWithIgnoreCase(greeting, "* PREAUTH")) {
    return Fail(ErrorCode::kProtocol, peer +
                                          ": the IMAP server did not offer STARTTLS: it "
                                          "pre-authenticated the session (" +
                                          ShowLine(greeting) + ")");
  }
  if (!StartsWithIgnoreCase(greeting, "* OK")) {
    return Fail(ErrorCode::kProtocol, peer + ": not an IMAP greeting: " + ShowLine(greeting) +
                                          " (is this an IMAP port?)");
  }

  // Always ask: the greeting's [CAPABILITY ...] code is optional (RFC 9051 §7.1).
  std::vector<std::string> capabilities;
  MC_ASSIGN_OR_RETURN(std::string done,
                      Command(stream, "a1", "CAPABILITY", [&](const std::string& line) {
                        if (StartsWithIgnoreCase(line, "* CAPABILITY ")) {
                          for (std::string& token : CapabilityTokens(line))
                            capabilities.push_back(token);
                        }
                      }));
  if (!StartsWithIgnoreCase(done, "OK")) {
    return Fail(ErrorCode::kProtocol,
                peer + ": the IMAP server refused CAPABILITY: " + ShowLine(done));
  }
  bool offered = false;
  for (const std::string& capability : capabilities) offered |= capability == "STARTTLS";
  if (!offered) {
    return Fail(ErrorCode::kProtocol, peer +
                                          ": the IMAP server did not offer STARTTLS (CAPABILITY " +
                                          util::Join(capabilities, " ") +
                                          "); TLS is off or its certificate did not load");
  }

  MC_ASSIGN_OR_RETURN(std::string answer,
                      Command(stream, "a2", "STARTTLS", [](const std::string&) {}));
  // §6.2.1: "OK Begin TLS negotiation now"; NO/BAD mean no TLS.
  if (!StartsWithIgnoreCase(answer, "OK")) {
    return Fail(ErrorCode::kProtocol,
                peer + ": the IMAP server refused STARTTLS: " + ShowLine(answer));
  }
  return {};
}

void ImapLogout(net::LineStream& stream) { (void)stream.WriteLine("a3 LOGOUT"); }

}  // namespace mailcert::probe
