#include "sys/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sys/fs.h"

extern char** environ;

namespace mailcert::sys {
namespace {

struct Pipe {
  int fds[2] = {-1, -1};
  ~Pipe() {
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  }
  bool Open() { return ::pipe2(fds, O_CLOEXEC) == 0; }
};

std::vector<std::string> Environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string item = *entry;
    std::string name = item.substr(0, item.find('='));
    if (!extra.count(name)) env.push_back(std::move(item));
  }
  for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
  return env;
}

class PosixProcessRunner final : public ProcessRunner {
 public:
  util::Result<ProcessOutcome> Run(const ProcessRequest& request) override {
    if (request.argv.empty()) {
      return util::Fail(util::ErrorCode::kInvalidInput, "no program to run");
    }
    Pipe in, out, err;
    if (!in.Open() || !out.Open() || !err.Open()) {
      return util::Fail(PosixError("pipe for " + request.argv[0], errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in.fds[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out.fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err.fds[1], 2);
    std::vector<std::string> env = Environment(request.extra_env);
    std::vector<char*> argv, envp;
    for (const auto& arg : request.argv) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    for (const auto& item : env) envp.push_back(const_cast<char*>(item.c_str()));
    envp.push_back(nullptr);
    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      util::Error error = PosixError("run " + request.argv[0], rc);
      if (rc == ENOENT) error.code = util::ErrorCode::kNotFound;
      return util::Fail(error);
    }
    ::close(in.fds[0]);
    in.fds[0] = -1;
    ::close(out.fds[1]);
    out.fds[1] = -1;
    ::close(err.fds[1]);
    err.fds[1] = -1;

    ProcessOutcome outcome;
    size_t written = 0;
    if (request.stdin_data.empty()) {
      ::close(in.fds[1]);
      in.fds[1] = -1;
    }
    const auto deadline = std::chrono::steady_clock::now() + request.timeout;
    bool timed_out = false;
    while (out.fds[0] >= 0 || err.fds[0] >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        timed_out = true;
        break;
      }
      pollfd fds[3];
      int count = 0;
      for (int fd : {out.fds[0], err.fds[0]}) {
        if (fd >= 0) fds[count++] = {fd, POLLIN, 0};
      }
      if (in.fds[1] >= 0) fds[count++] = {in.fds[1], POLLOUT, 0};
      if (::poll(fds, count, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
      for (int i = 0; i < count; ++i) {
        if (fds[i].revents == 0) continue;
        if (fds[i].fd == in.fds[1]) {
          ssize_t n = ::write(in.fds[1], request.stdin_data.data() + written,
                              request.stdin_data.size() - written);
          if (n > 0) written += static_cast<size_t>(n);
          if (n < 0 || written == request.stdin_data.size()) {
            ::close(in.fds[1]);
            in.fds[1] = -1;
          }
          continue;
        }
        char buffer[8192];
        ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
        bool is_out = fds[i].fd == out.fds[0];
        if (n > 0) {
          (is_out ? outcome.stdout_text : outcome.stderr_text).append(buffer, n);
        } else if (n == 0 || errno != EINTR) {
          int& fd = is_out ? out.fds[0] : err.fds[0];
          ::close(fd);
          fd = -1;
        }
      }
    }
    if (timed_out) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
      return util::Fail(util::ErrorCode::kTimeout,
                        request.argv[0] + " did not finish within " +
                            std::to_string(request.timeout.count() / 1000) + " s and was killed");
    }
    outcome.exit_code = WIFEXITED(status)     ? WEXITSTATUS(status)
                        : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                              : -1;
    return outcome;
  }
};

}  // namespace

ProcessRunner& RealProcessRunner() {
  static PosixProcessRunner runner;
  return runner;
}

}  // namespace mailcert::sys
