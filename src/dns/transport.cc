#include "dns/transport.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace mailcert::dns::internal {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxMessage = 65535;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

tl::unexpected<TransportError> Failure(QueryFailure failure, std::string what) {
  return tl::unexpected(TransportError{failure, std::move(what)});
}

std::string ErrnoText(int error) {
  char buffer[256];
  // GNU strerror_r returns the message, possibly not in `buffer`.
  return strerror_r(error, buffer, sizeof(buffer));
}

tl::unexpected<TransportError> SocketFailure(const char* protocol, const char* step, int error) {
  std::string what = std::string(protocol) + " " + step + ": " + ErrnoText(error);
  if (error == ECONNREFUSED) what += " (nothing listens there)";
  // Every socket error means this exchange cannot happen, whatever errno says exactly.
  return Failure(QueryFailure::kUnreachable, what);
}

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for `events` on `fd` until `deadline`. Returns 1 when ready, 0 on timeout, -1 on error.
int WaitFor(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd entry{fd, events, 0};
    int ready = poll(&entry, 1, RemainingMs(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return ready;
    return 1;
  }
}

size_t QuestionLength(const std::vector<uint8_t>& message) {
  // Our own queries carry one uncompressed question: labels, a zero octet, type and class.
  size_t position = kHeaderSize;
  while (position < message.size() && message[position] != 0) position += message[position] + 1;
  position += 1 + 4;
  return position <= message.size() ? position - kHeaderSize : 0;
}

tl::expected<int, TransportError> OpenConnected(const ServerAddress& server, int type,
                                                const char* protocol, Clock::time_point deadline) {
  socklen_t length = 0;
  auto address = ToSockaddr(server, &length);
  if (!address) return Failure(QueryFailure::kUnreachable, address.error().message);
  int fd = socket(address->ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return SocketFailure(protocol, "socket", errno);
  // A connected UDP socket receives only from the server and reports ICMP port-unreachable as
  // ECONNREFUSED, so "nothing listens" is told apart from a timeout.
  if (connect(fd, reinterpret_cast<const sockaddr*>(&*address), length) != 0) {
    int error = errno;
    if (error != EINPROGRESS) {
      close(fd);
      return SocketFailure(protocol, "connect", error);
    }
    int ready = WaitFor(fd, POLLOUT, deadline);
    if (ready <= 0) {
      close(fd);
      return Failure(QueryFailure::kTimeout, std::string(protocol) + " connect timed out");
    }
    int so_error = 0;
    socklen_t so_length = sizeof(so_error);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_length);
    if (so_error != 0) {
      close(fd);
      return SocketFailure(protocol, "connect", so_error);
    }
  }
  return fd;
}

tl::expected<std::vector<uint8_t>, TransportError> ExchangeUdp(const ServerAddress& server,
                                                               const std::vector<uint8_t>& query,
                                                               std::chrono::milliseconds timeout) {
  Clock::time_point deadline = Clock::now() + timeout;
  auto fd = OpenConnected(server, SOCK_DGRAM, "UDP", deadline);
  if (!fd) return tl::unexpected(fd.error());
  Socket socket(*fd);
  if (send(socket.fd(), query.data(), query.size(), 0) < 0) {
    return SocketFailure("UDP", "send", errno);
  }
  std::vector<uint8_t> reply(kMaxMessage);
  while (true) {
    int ready = WaitFor(socket.fd(), POLLIN, deadline);
    if (ready < 0) return SocketFailure("UDP", "poll", errno);
    if (ready == 0) {
      return Failure(QueryFailure::kTimeout,
                     "no answer over UDP within " + std::to_string(timeout.count()) + " ms");
    }
    ssize_t received = recv(socket.fd(), reply.data(), reply.size(), 0);
    if (received < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return SocketFailure("UDP", "receive", errno);
    }
    std::vector<uint8_t> message(reply.begin(), reply.begin() + received);
    if (ReplyMatches(query, message)) return message;
    // A stray or forged datagram: keep waiting for the real answer until the deadline.
  }
}

bool WriteAll(int fd, const std::vector<uint8_t>& data, Clock::time_point deadline, int* error) {
  size_t written = 0;
  while (written < data.size()) {
    ssize_t count = send(fd, data.data() + written, data.size() - written, MSG_NOSIGNAL);
    if (count > 0) {
      written += static_cast<size_t>(count);
      continue;
    }
    if (count < 0 && errno != EAGAIN && errno != EINTR) {
      *error = errno;
      return false;
    }
    if (WaitFor(fd, POLLOUT, deadline) <= 0) {
      *error = ETIMEDOUT;
      return false;
    }
  }
  return true;
}

bool ReadExactly(int fd, uint8_t* data, size_t size, Clock::time_point deadline, int* error) {
  size_t done = 0;
  while (done < size) {
    ssize_t count = recv(fd, data + done, size - done, 0);
    if (count > 0) {
      done += static_cast<size_t>(count);
      continue;
    }
    if (count == 0) {
      *error = ECONNRESET;  // closed before the whole message arrived
      return false;
    }
    if (errno != EAGAIN && errno != EINTR) {
      *error = errno;
      return false;
    }
    if (WaitFor(fd, POLLIN, deadline) <= 0) {
      *error = ETIMEDOUT;
      return false;
    }
  }
  return true;
}

tl::expected<std::vector<uint8_t>, TransportError> ExchangeTcp(const ServerAddress& server,
                                                               const std::vector<uint8_t>& query,
                                                               std::chrono::milliseconds timeout) {
  Clock::time_point deadline = Clock::now() + timeout;
  auto fd = OpenConnected(server, SOCK_STREAM, "TCP", deadline);
  if (!fd) return tl::unexpected(fd.error());
  Socket socket(*fd);
  // RFC 1035 §4.2.2: each message is prefixed with its two-octet length.
  std::vector<uint8_t> framed;
  framed.reserve(query.size() + 2);
  framed.push_back(static_cast<uint8_t>(query.size() >> 8));
  framed.push_back(static_cast<uint8_t>(query.size() & 0xff));
  framed.insert(framed.end(), query.begin(), query.end());
  int error = 0;
  auto timed_out = [&] {
    return Failure(QueryFailure::kTimeout,
                   "no answer over TCP within " + std::to_string(timeout.count()) + " ms");
  };
  if (!WriteAll(socket.fd(), framed, deadline, &error)) {
    return error == ETIMEDOUT ? timed_out() : SocketFailure("TCP", "send", error);
  }
  uint8_t length_bytes[2];
  if (!ReadExactly(socket.fd(), length_bytes, 2, deadline, &error)) {
    return error == ETIMEDOUT ? timed_out() : SocketFailure("TCP", "receive", error);
  }
  std::vector<uint8_t> reply((static_cast<size_t>(length_bytes[0]) << 8) | length_bytes[1]);
  if (!ReadExactly(socket.fd(), reply.data(), reply.size(), deadline, &error)) {
    return error == ETIMEDOUT ? timed_out() : SocketFailure("TCP", "receive", error);
  }
  if (!ReplyMatches(query, reply)) {
    return Failure(QueryFailure::kMalformed, "the TCP answer does not match the question");
  }
  return reply;
}

}  // namespace

bool ReplyMatches(const std::vector<uint8_t>& query, const std::vector<uint8_t>& reply) {
  if (query.size() < kHeaderSize || reply.size() < kHeaderSize) return false;
  if (query[0] != reply[0] || query[1] != reply[1]) return false;
  if ((reply[2] & 0x80) == 0) return false;  // QR: a response
  uint16_t reply_questions = static_cast<uint16_t>((reply[4] << 8) | reply[5]);
  if (reply_questions == 0) return true;
  size_t length = QuestionLength(query);
  if (length == 0 || reply.size() < kHeaderSize + length) return false;
  // The name compares case-insensitively (RFC 4343); type and class exactly.
  size_t name_end = kHeaderSize + length - 4;
  for (size_t i = kHeaderSize; i < name_end; ++i) {
    if (std::tolower(query[i]) != std::tolower(reply[i])) return false;
  }
  return std::equal(query.begin() + name_end, query.begin() + name_end + 4,
                    reply.begin() + name_end);
}

tl::expected<std::vector<uint8_t>, TransportError> Exchange(const ServerAddress& server,
                                                            const std::vector<uint8_t>& query,
                                                            Transport transport,
                                                            std::chrono::milliseconds timeout) {
  if (transport == Transport::kTcp) return ExchangeTcp(server, query, timeout);
  return ExchangeUdp(server, query, timeout);
}

}  // namespace mailcert::dns::internal
