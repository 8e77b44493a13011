// HttpServer: one thread, poll(2) over non-blocking sockets. Every connection carries exactly
// one request and is closed after the response (Connection: close), which keeps the state per
// connection tiny: a CA validates up to 100 names of an order at once, each from several
// vantage points, so hundreds of short connections may arrive together.

#include "net/http_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <utility>

#include "net/request_head.h"
#include "net/socket_address.h"
#include "util/log.h"
#include "util/strings.h"

namespace mailcert::net {
namespace {

using Clock = std::chrono::steady_clock;

// Time one connection may take from accept to the last byte of the response. CAs send a
// request at once; a slow or idle peer must not hold a slot for long.
constexpr auto kConnectionTimeout = std::chrono::seconds(5);
constexpr auto kLingerTimeout = std::chrono::seconds(1);
constexpr size_t kMaxConnections = 1024;
constexpr size_t kReadChunk = 16 * 1024;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }

  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Connection {
  Fd fd;
  std::string remote;
  Clock::time_point deadline;
  std::string in;
  std::optional<RequestHead> head;  // set once the head is complete
  size_t head_size = 0;
  std::string out;  // the response, once decided
  size_t written = 0;
  bool draining = false;  // response sent and FIN queued; reading until the peer's FIN
  bool done = false;      // to be closed and removed
};

// Opens, binds and listens on one address. Errors: kIo "listen on ADDRESS: errno text".
util::Result<Fd> Listen(const SocketAddress& address, int& error) {
  auto fail = [&](int saved) {
    error = saved;
    return util::Fail(util::ErrorCode::kIo,
                      "listen on " + FormatSocketAddress(address.get()) + ": " + ErrnoText(saved));
  };
  Fd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return fail(errno);
  int one = 1;
  // SO_REUSEADDR: a restarted daemon must bind port 80 again while old connections linger in
  // TIME_WAIT.
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return fail(errno);
  // IPV6_V6ONLY: "[::]" means IPv6 only, so that ":80" can bind 0.0.0.0 and [::] side by side
  // whatever net.ipv6.bindv6only says.
  if (address.family() == AF_INET6 &&
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) {
    return fail(errno);
  }
  if (::bind(fd.get(), address.get(), address.length) != 0) return fail(errno);
  if (::listen(fd.get(), SOMAXCONN) != 0) return fail(errno);
  return fd;
}

class PollHttpServer final : public HttpServer {
 public:
  PollHttpServer(std::vector<Fd> listeners, std::vector<std::string> bound, Fd wake,
                 RequestHandler handler)
      : listeners_(std::move(listeners)),
        bound_(std::move(bound)),
        wake_(std::move(wake)),
        handler_(std::move(handler)) {
    thread_ = std::thread([this] { Run(); });
  }

  ~PollHttpServer() override {
    uint64_t one = 1;
    ssize_t ignored = ::write(wake_.get(), &one, sizeof one);
    (void)ignored;
    thread_.join();
  }

  std::vector<std::string> BoundAddresses() const override { return bound_; }

 private:
  void Run();
  void AcceptAll(int listener);
  void OnReadable(Connection& connection);
  void OnWritable(Connection& connection);
  void Drain(Connection& connection);
  void Answer(Connection& connection, const ServerRequest& request);
  void Reject(Connection& connection, int status);

  std::vector<Fd> listeners_;
  const std::vector<std::string> bound_;
  Fd wake_;
  RequestHandler handler_;
  std::vector<std::unique_ptr<Connection>> connections_;  // only touched by thread_
  Clock::time_point accept_paused_until_;
  std::thread thread_;
};

void PollHttpServer::Run() {
  std::vector<pollfd> fds;
  while (true) {
    Clock::time_point now = Clock::now();
    fds.clear();
    fds.push_back({wake_.get(), POLLIN, 0});
    bool accepting = connections_.size() < kMaxConnections && now >= accept_paused_until_;
    for (const Fd& listener : listeners_)
      fds.push_back({accepting ? listener.get() : -1, POLLIN, 0});
    Clock::time_point next_deadline = accepting ? Clock::time_point::max() : accept_paused_until_;
    for (const auto& connection : connections_) {
      short events = (connection->out.empty() || connection->draining) ? POLLIN : POLLOUT;
      fds.push_back({connection->fd.get(), events, 0});
      next_deadline = std::min(next_deadline, connection->deadline);
    }
    int timeout_ms = -1;
    if (next_deadline != Clock::time_point::max()) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_deadline - now);
      timeout_ms = static_cast<int>(std::max<int64_t>(0, wait.count()));
    }
    int ready = ::poll(fds.data(), fds.size(), timeout_ms);
    if (ready < 0 && errno != EINTR) {
      util::LogError("http server: poll: " + ErrnoText(errno));
      return;
    }
    if (fds[0].revents != 0) return;  // the destructor asks us to stop

    size_t existing = connections_.size();  // AcceptAll appends; their fds were not polled
    for (size_t i = 0; i < listeners_.size(); ++i) {
      if (fds[1 + i].revents & POLLIN) AcceptAll(listeners_[i].get());
    }
    for (size_t i = 0; i < existing; ++i) {
      short revents = fds[1 + listeners_.size() + i].revents;
      Connection& connection = *connections_[i];
      if (revents & (POLLIN | POLLHUP | POLLERR)) {
        if (connection.out.empty()) {
          OnReadable(connection);
        } else if (connection.draining) {
          Drain(connection);
        } else if (revents & (POLLHUP | POLLERR)) {
          connection.done = true;  // the peer left before reading the response
        }
      }
      if (!connection.done && !connection.out.empty() && (revents & POLLOUT)) {
        OnWritable(connection);
      }
    }
    now = Clock::now();
    for (auto& connection : connections_) {
      if (!connection->done && now >= connection->deadline) {
        if (!connection->draining)
          util::LogDebug("http server: " + connection->remote + " timed out");
        connection->done = true;
      }
    }
    std::erase_if(connections_, [](const auto& connection) { return connection->done; });
  }
}

void PollHttpServer::AcceptAll(int listener) {
  while (connections_.size() < kMaxConnections) {
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof peer;
    int fd = ::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &peer_length,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: the pending connection stays in the backlog and would make poll
        // return at once forever, so stop accepting for a moment instead of spinning.
        util::LogWarning("http server: accept: " + ErrnoText(errno));
        accept_paused_until_ = Clock::now() + std::chrono::milliseconds(100);
      }
      return;  // EAGAIN (backlog empty), or a connection that died in the backlog
    }
    auto connection = std::make_unique<Connection>();
    connection->fd = Fd(fd);
    connection->remote = FormatSocketAddress(reinterpret_cast<sockaddr*>(&peer));
    connection->deadline = Clock::now() + kConnectionTimeout;
    connections_.push_back(std::move(connection));
  }
}

void PollHttpServer::OnReadable(Connection& connection) {
  char buffer[kReadChunk];
  while (true) {
    ssize_t n = ::read(connection.fd.get(), buffer, sizeof buffer);
    if (n > 0) {
      connection.in.append(buffer, static_cast<size_t>(n));
      if (connection.in.size() > kMaxRequestHead + kMaxRequestBody) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    connection.done = true;  // EOF or reset before a whole request arrived
    return;
  }
  if (!connection.head) {
    HeadScan scan = ScanRequestHead(connection.in);
    if (scan.state == HeadScan::State::kIncomplete) return;
    if (scan.state == HeadScan::State::kRejected) return Reject(connection, scan.status);
    connection.head = std::move(scan.head);
    connection.head_size = scan.head_size;
  }
  if (connection.in.size() - connection.head_size < connection.head->content_length) return;

  ServerRequest request;
  request.method = std::move(connection.head->method);
  request.target = std::move(connection.head->target);
  request.host = std::move(connection.head->host);
  request.body = connection.in.substr(connection.head_size, connection.head->content_length);
  request.remote_address = connection.remote;
  request.headers = std::move(connection.head->fields);
  Answer(connection, request);
}

void PollHttpServer::Answer(Connection& connection, const ServerRequest& request) {
  ServerResponse response = handler_(request);
  int status = response.status;
  if (status < 100 || status > 599) status = 500;
  util::LogDebug("http server: " + request.method + " " + request.target + " from " +
                 request.remote_address + ": " + std::to_string(status));
  connection.out = FormatResponse(status, response.content_type, response.headers, response.body,
                                  request.method == "HEAD");
  OnWritable(connection);  // usually completes at once and saves a poll round
}

void PollHttpServer::Reject(Connection& connection, int status) {
  util::LogDebug("http server: bad request from " + connection.remote + ": " +
                 std::to_string(status));
  std::string body = std::string(ReasonPhrase(status)) + "\n";
  connection.out = FormatResponse(status, "text/plain", {}, body, /*head_only=*/false);
  OnWritable(connection);
}

void PollHttpServer::OnWritable(Connection& connection) {
  while (connection.written < connection.out.size()) {
    ssize_t n = ::send(connection.fd.get(), connection.out.data() + connection.written,
                       connection.out.size() - connection.written, MSG_NOSIGNAL);
    if (n > 0) {
      connection.written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    connection.done = true;  // EPIPE, ECONNRESET: the peer is gone
    return;
  }
  // Everything is queued. Closing now while unread bytes from the peer sit in our receive
  // buffer (a body we refused, a pipelined request) would send RST, and an RST can make the
  // peer's TCP discard the response before its application reads it. So send FIN and read
  // until the peer's FIN (the "lingering close" of RFC 9112 §9.6), bounded by a short time.
  ::shutdown(connection.fd.get(), SHUT_WR);
  connection.draining = true;
  connection.deadline = std::min(connection.deadline, Clock::now() + kLingerTimeout);
  Drain(connection);
}

void PollHttpServer::Drain(Connection& connection) {
  char buffer[kReadChunk];
  while (true) {
    ssize_t n = ::read(connection.fd.get(), buffer, sizeof buffer);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    connection.done = true;  // the peer's FIN (or reset): nothing more will come
    return;
  }
}

}  // namespace

util::Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::vector<std::string>& listen,
                                                            RequestHandler handler) {
  if (listen.empty()) {
    return util::Fail(util::ErrorCode::kInvalidInput, "http server: no listen address given");
  }
  std::vector<Fd> listeners;
  std::vector<std::string> bound;
  for (const std::string& text : listen) {
    MC_ASSIGN_OR_RETURN(std::vector<SocketAddress> addresses, ParseListenAddress(text));
    bool every_address = addresses.size() > 1;  // ":PORT"
    for (SocketAddress& address : addresses) {
      bool optional_v6 = every_address && address.family() == AF_INET6;
      // ":0": give the IPv6 socket the port the IPv4 one got, so that one port serves both.
      auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
      bool follow_port = optional_v6 && v6->sin6_port == 0 && !bound.empty();
      if (follow_port) {
        sockaddr_storage local{};
        socklen_t length = sizeof local;
        ::getsockname(listeners.back().get(), reinterpret_cast<sockaddr*>(&local), &length);
        v6->sin6_port = reinterpret_cast<sockaddr_in*>(&local)->sin_port;
      }
      int error = 0;
      util::Result<Fd> fd = Listen(address, error);
      if (!fd && follow_port && error == EADDRINUSE) {
        v6->sin6_port = 0;
        fd = Listen(address, error);
      }
      if (!fd && optional_v6 && (error == EAFNOSUPPORT || error == EADDRNOTAVAIL)) {
        // A host without IPv6: ":PORT" then means the IPv4 addresses only.
        util::LogDebug("http server: no IPv6 here (" + fd.error().message + ")");
        continue;
      }
      if (!fd) return util::Fail(fd.error());
      sockaddr_storage local{};
      socklen_t length = sizeof local;
      ::getsockname(fd->get(), reinterpret_cast<sockaddr*>(&local), &length);
      bound.push_back(FormatSocketAddress(reinterpret_cast<sockaddr*>(&local)));
      listeners.push_back(std::move(*fd));
    }
  }
  Fd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (wake.get() < 0) {
    return util::Fail(util::ErrorCode::kIo, "http server: eventfd: " + ErrnoText(errno));
  }
  for (const std::string& address : bound) util::LogDebug("http server: listening on " + address);
  return std::unique_ptr<HttpServer>(std::make_unique<PollHttpServer>(
      std::move(listeners), std::move(bound), std::move(wake), std::move(handler)));
}

std::optional<std::string> ServerRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (util::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

}  // namespace mailcert::net
