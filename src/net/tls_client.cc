// TlsClientStream: a non-blocking socket driven with poll(2), so every step has a deadline, and
// OpenSSL on top of the same descriptor once the dialogue asks for TLS.

#include "net/tls_client.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "crypto/openssl_error.h"
#include "net/socket_address.h"
#include "net/tcp_connect.h"
#include "net/tls_peer_info.h"

namespace mailcert::net {
namespace {

using Clock = std::chrono::steady_clock;
using util::ErrorCode;
using util::Fail;

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

// OpenSSL writes to the socket with write(2), which raises SIGPIPE when the peer has gone; a
// library must not kill its host program for that. Blocks SIGPIPE on this thread for one call
// and swallows a SIGPIPE the call raised (the technique of `man 7 signal` plus sigtimedwait).
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_mask_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        timespec zero{};
        sigtimedwait(&pipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_mask_;
  bool was_pending_ = false;
};

int MillisecondsLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

struct TlsClientStream::Impl {
  int fd = -1;
  std::string peer_name;
  TlsClientOptions options;
  std::string buffer;  // received, not yet returned by ReadLine
  std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx;
  std::unique_ptr<SSL, SslDeleter> ssl;
  bool handshake_tried = false;

  ~Impl() {
    if (ssl && SSL_is_init_finished(ssl.get())) {
      // One non-blocking close_notify (RFC 8446 §6.1); whether it leaves is not our concern.
      SigpipeGuard guard;
      SSL_shutdown(ssl.get());
    }
    ssl.reset();
    if (fd >= 0) ::close(fd);
  }

  // Waits until the socket is ready for `events` or the deadline passes.
  util::Result<void> Wait(short events, Clock::time_point deadline, const std::string& what) {
    pollfd waiting{fd, events, 0};
    while (true) {
      int ready = poll(&waiting, 1, MillisecondsLeft(deadline));
      if (ready > 0) return {};
      if (ready == 0) {
        return Fail(ErrorCode::kTimeout, what + " " + peer_name + ": nothing within " +
                                             TimeoutText(options.io_timeout) +
                                             " (the server stopped answering)");
      }
      if (errno != EINTR) {
        return Fail(ErrorCode::kNetwork, what + " " + peer_name + ": poll: " + ErrnoText(errno));
      }
    }
  }

  // Runs one OpenSSL I/O call until it completes, waiting for the socket as OpenSSL asks
  // (SSL_get_error(3): WANT_READ / WANT_WRITE on a non-blocking socket).
  template <typename Call>
  util::Result<void> DriveSsl(Call call, Clock::time_point deadline, const std::string& what) {
    while (true) {
      // SSL_get_error(3): SSL_ERROR_SYSCALL is told apart by errno, so stale values must go.
      ERR_clear_error();
      errno = 0;
      int rc;
      int call_errno;
      {
        SigpipeGuard guard;
        rc = call();
        call_errno = errno;
      }
      errno = call_errno;  // the guard's own calls must not mask the call's errno
      if (rc > 0) return {};
      const int error = SSL_get_error(ssl.get(), rc);
      if (error == SSL_ERROR_WANT_READ) {
        MC_RETURN_IF_ERROR(Wait(POLLIN, deadline, what));
      } else if (error == SSL_ERROR_WANT_WRITE) {
        MC_RETURN_IF_ERROR(Wait(POLLOUT, deadline, what));
      } else if (error == SSL_ERROR_ZERO_RETURN ||
                 (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0) ||
                 (error == SSL_ERROR_SSL &&
                  ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
        ERR_clear_error();
        return Fail(ErrorCode::kNetwork,
                    what + " " + peer_name + ": the server closed the connection");
      } else if (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
        return Fail(ErrorCode::kNetwork, what + " " + peer_name + ": " + ErrnoText(errno));
      } else {
        return Fail(crypto::OpenSslError(what + " " + peer_name + " failed", ErrorCode::kNetwork));
      }
    }
  }

  // Appends at least one byte to `buffer`.
  util::Result<void> Receive(Clock::time_point deadline) {
    char chunk[4096];
    if (ssl) {
      size_t got = 0;
      MC_RETURN_IF_ERROR(DriveSsl([&] { return SSL_read_ex(ssl.get(), chunk, sizeof chunk, &got); },
                                  deadline, "read from"));
      buffer.append(chunk, got);
      return {};
    }
    while (true) {
      ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      if (n > 0) {
        buffer.append(chunk, static_cast<size_t>(n));
        return {};
      }
      if (n == 0) {
        return Fail(ErrorCode::kNetwork,
                    "read from " + peer_name + ": the server closed the connection");
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        MC_RETURN_IF_ERROR(Wait(POLLIN, deadline, "read from"));
      } else if (errno != EINTR) {
        return Fail(ErrorCode::kNetwork, "read from " + peer_name + ": " + ErrnoText(errno));
      }
    }
  }

  util::Result<void> Send(std::string_view data, Clock::time_point deadline) {
    while (!data.empty()) {
      if (ssl) {
        size_t sent = 0;
        MC_RETURN_IF_ERROR(
            DriveSsl([&] { return SSL_write_ex(ssl.get(), data.data(), data.size(), &sent); },
                     deadline, "write to"));
        data.remove_prefix(sent);
        continue;
      }
      // MSG_NOSIGNAL: a vanished peer is an error value, not SIGPIPE.
      ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        MC_RETURN_IF_ERROR(Wait(POLLOUT, deadline, "write to"));
      } else if (n < 0 && errno != EINTR) {
        return Fail(ErrorCode::kNetwork, "write to " + peer_name + ": " + ErrnoText(errno));
      }
    }
    return {};
  }
};

TlsClientStream::TlsClientStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsClientStream::~TlsClientStream() = default;

util::Result<std::unique_ptr<TlsClientStream>> TlsClientStream::Connect(
    const std::string& host, int port, const TlsClientOptions& options) {
  MC_ASSIGN_OR_RETURN(TcpConnection connection, ConnectTcp(host, port, options.connect_timeout));
  auto impl = std::make_unique<Impl>();
  impl->fd = connection.fd;
  impl->peer_name = std::move(connection.peer_name);
  impl->options = options;
  return std::unique_ptr<TlsClientStream>(new TlsClientStream(std::move(impl)));
}

util::Result<std::string> TlsClientStream::ReadLine() {
  const auto deadline = Clock::now() + impl_->options.io_timeout;
  std::string& buffer = impl_->buffer;
  size_t scanned = 0;
  while (true) {
    size_t newline = buffer.find('\n', scanned);
    if (newline != std::string::npos) {
      std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.size() > impl_->options.max_line_length) break;
      return line;
    }
    if (buffer.size() > impl_->options.max_line_length) break;
    scanned = buffer.size();
    MC_RETURN_IF_ERROR(impl_->Receive(deadline));
  }
  return Fail(ErrorCode::kProtocol, "read from " + impl_->peer_name + ": a line longer than " +
                                        std::to_string(impl_->options.max_line_length) +
                                        " bytes (is this the right port for the protocol?)");
}

util::Result<void> TlsClientStream::WriteLine(std::string_view line) {
  std::string data(line);
  data += "\r\n";
  return impl_->Send(data, Clock::now() + impl_->options.io_timeout);
}

std::string TlsClientStream::PeerName() const { return impl_->peer_name; }

bool TlsClientStream::tls_active() const {
  return impl_->ssl != nullptr && SSL_is_init_finished(impl_->ssl.get());
}

util::Result<TlsPeer> TlsClientStream::StartTls(const TlsHandshakeOptions& options) {
  Impl& impl = *impl_;
  const std::string context = "TLS handshake with " + impl.peer_name;
  if (impl.handshake_tried) {
    return Fail(ErrorCode::kProtocol, context + ": a handshake was already made on this stream");
  }
  impl.handshake_tried = true;
  if (!impl.buffer.empty()) {
    return Fail(ErrorCode::kProtocol,
                context +
                    ": the server sent data after its go-ahead and before TLS started; "
                    "refusing to treat it as protected (STARTTLS injection)");
  }
  MC_ASSIGN_OR_RETURN(SSL_CTX * raw_ctx, NewProbeContext(options.key_restriction));
  impl.ctx.reset(raw_ctx);
  impl.ssl.reset(SSL_new(impl.ctx.get()));
  if (!impl.ssl || SSL_set_fd(impl.ssl.get(), impl.fd) != 1) {
    return Fail(crypto::OpenSslError(context, ErrorCode::kNetwork));
  }
  // Collect, do not judge (see the header): verification happens afterwards.
  SSL_set_verify(impl.ssl.get(), SSL_VERIFY_NONE, nullptr);
  if (!options.sni.empty() && !IsIpLiteral(options.sni) &&
      SSL_set_tlsext_host_name(impl.ssl.get(), options.sni.c_str()) != 1) {
    return Fail(crypto::OpenSslError(context + ": bad SNI name", ErrorCode::kInvalidInput));
  }
  const auto deadline = Clock::now() + impl.options.io_timeout;
  MC_RETURN_IF_ERROR(
      impl.DriveSsl([&] { return SSL_connect(impl.ssl.get()); }, deadline, "TLS handshake with"));
  return DescribePeer(impl.ssl.get(), context);
}

}  // namespace mailcert::net
