// SMTP with STARTTLS, RFC 3207 over RFC 5321.

#include <cctype>
#include <string>
#include <vector>

#include "probe/dialogues.h"
#include "util/strings.h"

namespace mailcert::probe {
namespace {

using util::ErrorCode;
using util::Fail;

struct SmtpReply {
  int code = 0;
  std::vector<std::string> texts;  // the text of each line, after "250-" / "250 "
};

// Reads one reply: "ddd-text" lines continue it, "ddd text" (or a bare "ddd") ends it
// (RFC 5321 §4.2.1). Every line of a reply carries the same code.
util::Result<SmtpReply> ReadReply(net::LineStream& stream) {
  SmtpReply reply;
  while (true) {
    MC_ASSIGN_OR_RETURN(std::string line, stream.ReadLine());
    const bool well_formed = line.size() >= 3 &&
                             std::isdigit(static_cast<unsigned char>(line[0])) &&
                             std::isdigit(static_cast<unsigned char>(line[1])) &&
                             std::isdigit(static_cast<unsigned char>(line[2])) &&
                             (line.size() == 3 || line[3] == ' ' || line[3] == '-');
    if (!well_formed) {
      return Fail(ErrorCode::kProtocol, stream.PeerName() + ": not an SMTP reply: " +
                                            ShowLine(line) + " (is this an SMTP port?)");
    }
    const int code = std::stoi(line.substr(0, 3));
    if (!reply.texts.empty() && code != reply.code) {
      return Fail(ErrorCode::kProtocol, stream.PeerName() +
                                            ": SMTP reply changes its code "
                                            "mid-way: " +
                                            ShowLine(line));
    }
    reply.code = code;
    reply.texts.push_back(line.size() > 4 ? line.substr(4) : "");
    if (line.size() == 3 || line[3] == ' ') return reply;
  }
}

std::string ShowReply(const SmtpReply& reply) {
  return ShowLine(std::to_string(reply.code) + " " + reply.texts.back());
}

}  // namespace

util::Result<void> SmtpStarttls(net::LineStream& stream, const std::string& ehlo_name) {
  const std::string peer = stream.PeerName();
  // RFC 5321 §3.1: 220 opens the session; 554 (or anything else) means the server will not talk.
  MC_ASSIGN_OR_RETURN(SmtpReply greeting, ReadReply(stream));
  if (greeting.code != 220) {
    return Fail(ErrorCode::kProtocol,
                peer + ": the SMTP server refused the session: " + ShowReply(greeting));
  }
  MC_RETURN_IF_ERROR(stream.WriteLine("EHLO " + ehlo_name));
  MC_ASSIGN_OR_RETURN(SmtpReply ehlo, ReadReply(stream));
  if (ehlo.code != 250) {
    // A server without ESMTP cannot announce STARTTLS (RFC 3207 §4 needs the EHLO keyword).
    return Fail(ErrorCode::kProtocol, peer +
                                          ": the SMTP server did not offer STARTTLS: EHLO "
                                          "was answered " +
                                          ShowReply(ehlo));
  }
  // The first line greets; each further line is one keyword and its parameters (§4.1.1.1).
  bool offered = false;
  std::vector<std::string> keywords;
  for (size_t i = 1; i < ehlo.texts.size(); ++i) {
    std::string keyword = ehlo.texts[i].substr(0, ehlo.texts[i].find(' '));
    if (util::EqualsIgnoreCase(keyword, "STARTTLS")) offered = true;
    keywords.push_back(std::move(keyword));
  }
  if (!offered) {
    return Fail(ErrorCode::kProtocol,
                peer + ": the SMTP server did not offer STARTTLS (EHLO lists " +
                    (keywords.empty() ? std::string("no extensions") : util::Join(keywords, " ")) +
                    "); TLS is off, or the server could not load its certificate (Postfix "
                    "then logs \"disabling TLS support\")");
  }
  MC_RETURN_IF_ERROR(stream.WriteLine("STARTTLS"));
  MC_ASSIGN_OR_RETURN(SmtpReply go_ahead, ReadReply(stream));
  // RFC 3207 §4: 220 "Ready to start TLS"; 454 "TLS not available due to temporary reason".
  if (go_ahead.code != 220) {
    return Fail(ErrorCode::kProtocol,
                peer + ": the SMTP server refused STARTTLS: " + ShowReply(go_ahead));
  }
  return {};
}

void SmtpQuit(net::LineStream& stream) { (void)stream.WriteLine("QUIT"); }

std::string ShowLine(const std::string& line) {
  constexpr size_t kMaxShown = 200;
  if (line.size() <= kMaxShown) return util::Quote(line);
  return util::Quote(line.substr(0, kMaxShown)) + "…";
}

}  // namespace mailcert::probe
