#pragma once
// Subcommands. Each returns the process exit code (design.md "Exit codes").

#include <string>

#include "cli/mail_setup_source.h"
#include "cli/settings.h"

namespace mailcert::cli {

int RunIssue(const Flags& flags);
int RunRenew(const Flags& flags);
int RunCertificates(const Flags& flags);
int RunAccount(const std::string& action, const Flags& flags);
int RunRevoke(const Flags& flags);
int RunPlan(const Flags& flags, const SetupSource& source);

}  // namespace mailcert::cli
