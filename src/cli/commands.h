#pragma once
// Subcommands. Each returns the process exit code (design.md "Exit codes").

#include <string>

#include "cli/settings.h"

namespace mailcert::cli {

int RunIssue(const Flags& flags);
int RunRenew(const Flags& flags);
int RunCertificates(const Flags& flags);
int RunAccount(const std::string& action, const Flags& flags);
int RunRevoke(const Flags& flags);

}  // namespace mailcert::cli
