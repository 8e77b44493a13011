// POP3 with STLS: RFC 2595 §4, capabilities through CAPA (RFC 2449 §5).

#include <string>
#include <vector>

#include "probe/dialogues.h"
#include "util/strings.h"

namespace mailcert::probe {
namespace {

using util::ErrorCode;
using util::Fail;

// RFC 1939 §3: every reply starts with a status indicator, "+OK" or "-ERR".
bool IsOk(const std::string& line) { return line == "+OK" || line.rfind("+OK ", 0) == 0; }
bool IsErr(const std::string& line) { return line == "-ERR" || line.rfind("-ERR ", 0) == 0; }

// The lines of a multi-line response after its "+OK", up to the lone "." (RFC 1939 §3), with
// byte-stuffing undone.
util::Result<std::vector<std::string>> ReadMultiLine(net::LineStream& stream) {
  std::vector<std::string> lines;
  while (true) {
    // Not MC_ASSIGN_OR_RETURN: GCC 12 then warns of a maybe-uninitialized string (a false
    // positive, like bug 105651's family), which -Werror turns into a build failure.
    util::Result<std::string> line = stream.ReadLine();
    if (!line) return util::Fail(line.error());
    if (*line == ".") return lines;
    if (!line->empty() && line->front() == '.') line->erase(0, 1);
    lines.push_back(std::move(*line));
  }
}

}  // namespace

util::Result<void> Pop3Stls(net::LineStream& stream) {
  const std::string peer = stream.PeerName();
  MC_ASSIGN_OR_RETURN(std::string greeting, stream.ReadLine());
  if (!IsOk(greeting)) {
    return Fail(ErrorCode::kProtocol,
                peer + ": not a POP3 greeting: " + ShowLine(greeting) + " (is this a POP3 port?)");
  }

  MC_RETURN_IF_ERROR(stream.WriteLine("CAPA"));
  MC_ASSIGN_OR_RETURN(std::string capa, stream.ReadLine());
  if (IsOk(capa)) {
    MC_ASSIGN_OR_RETURN(std::vector<std::string> capabilities, ReadMultiLine(stream));
    bool offered = false;
    std::vector<std::string> names;
    for (const std::string& capability : capabilities) {
      std::string name = capability.substr(0, capability.find(' '));
      offered |= util::EqualsIgnoreCase(name, "STLS");
      names.push_back(std::move(name));
    }
    if (!offered) {
      return Fail(ErrorCode::kProtocol, peer + ": the POP3 server did not offer STLS (CAPA lists " +
                                            util::Join(names, " ") +
                                            "); TLS is off or its certificate did not load");
    }
  } else if (!IsErr(capa)) {
    return Fail(ErrorCode::kProtocol, peer + ": unexpected answer to CAPA: " + ShowLine(capa));
  }
  // With "-ERR" the server predates CAPA; STLS itself gives the answer.

  MC_RETURN_IF_ERROR(stream.WriteLine("STLS"));
  MC_ASSIGN_OR_RETURN(std::string answer, stream.ReadLine());
  if (!IsOk(answer)) {
    return Fail(ErrorCode::kProtocol, peer + ": the POP3 server refused STLS: " + ShowLine(answer));
  }
  return {};
}

void Pop3Quit(net::LineStream& stream) { (void)stream.WriteLine("QUIT"); }

}  // namespace mailcert::probe
