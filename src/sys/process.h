#pragma once
// The process seam (design.md): running a program — a domain-list command now, reload commands
// and hook programs later — with a bounded time, captured output and extra environment.
// No shell is involved unless the caller runs one explicitly ({"/bin/sh", "-c", text}).

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "util/result.h"

namespace mailcert::sys {

struct ProcessRequest {
  std::vector<std::string> argv;                 // argv[0] searched in PATH when it has no '/'
  std::map<std::string, std::string> extra_env;  // added to (and overriding) our environment
  std::string stdin_data;
  std::chrono::milliseconds timeout{60000};
};

struct ProcessOutcome {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string stdout_text;
  std::string stderr_text;
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Runs the program to completion. A non-zero exit is an outcome, not an error.
  // Errors: kNotFound (program missing), kTimeout (killed after `timeout`), kIo (fork/pipe).
  virtual util::Result<ProcessOutcome> Run(const ProcessRequest& request) = 0;
};

ProcessRunner& RealProcessRunner();

}  // namespace mailcert::sys
