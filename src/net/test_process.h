#pragma once
// Test support: temporary directories, shell commands and server processes that a fixture starts
// and ends by PID. Test-only; not part of mailcert_net.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace mailcert::net::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs `command` with /bin/sh; returns its exit status (-1 if it could not run).
int RunShell(const std::string& command);

void WriteFile(const std::string& path, const std::string& content);

// A port on 127.0.0.1 that was free a moment ago.
int FreeLoopbackPort();

// A child process whose stdout and stderr go to a pipe that the test reads.
class ChildProcess {
 public:
  // Starts argv[0] (searched in PATH). On failure pid() is -1.
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();  // SIGTERM, then SIGKILL after a second, and waitpid
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Reads output until a line contains `text`; returns that line, or "" after `timeout`.
  std::string WaitForOutput(const std::string& text, std::chrono::milliseconds timeout);
  // Everything read so far.
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int output_fd_ = -1;
  std::string output_;
  size_t scanned_ = 0;
};

// Waits until something accepts TCP connections on 127.0.0.1:port.
bool WaitForPort(int port, std::chrono::milliseconds timeout);

}  // namespace mailcert::net::testing
