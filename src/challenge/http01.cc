#include "challenge/http01.h"

#include <cctype>

#include "util/log.h"

namespace mailcert::challenge {

bool IsValidToken(const std::string& token) {
  if (token.empty() || token.size() > 256) return false;
  for (char c : token) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

Http01Standalone::Http01Standalone(std::vector<std::string> listen_addresses)
    : listen_addresses_(std::move(listen_addresses)) {}

Http01Standalone::~Http01Standalone() = default;

util::Result<void> Http01Standalone::Prepare() {
  if (server_) return {};
  auto server = net::HttpServer::Start(
      listen_addresses_, [this](const net::ServerRequest& request) { return Answer(request); });
  if (!server) {
    return util::Fail(server.error().code,
                      "HTTP-01 responder: " + server.error().message +
                          " — free the port, run with the right to bind it, or use --webroot "
                          "with the web server that already listens there",
                      server.error().detail);
  }
  server_ = std::move(*server);
  return {};
}

net::ServerResponse Http01Standalone::Answer(const net::ServerRequest& request) {
  net::ServerResponse response;
  response.status = 404;
  const std::string prefix = kAcmeChallengePath;
  if ((request.method != "GET" && request.method != "HEAD") ||
      request.target.rfind(prefix, 0) != 0) {
    return response;
  }
  const std::string token = request.target.substr(prefix.size());
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return response;
  // RFC 8555 §8.3: the body is the key authorization; the CA strips trailing whitespace.
  response.status = 200;
  response.content_type = "application/octet-stream";
  response.body = it->second;
  ++answered_;
  return response;
}

util::Result<void> Http01Standalone::Present(const ChallengeTask& task) {
  if (!IsValidToken(task.token)) {
    return util::Fail(util::ErrorCode::kProtocol,
                      "the CA sent an HTTP-01 token that is not base64url for " + task.identifier);
  }
  MC_RETURN_IF_ERROR(Prepare());
  std::lock_guard<std::mutex> lock(mutex_);
  tokens_[task.token] = task.key_authorization;
  return {};
}

util::Result<void> Http01Standalone::CleanUp(const ChallengeTask& task) {
  std::lock_guard<std::mutex> lock(mutex_);
  tokens_.erase(task.token);
  return {};
}

int Http01Standalone::answered() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return answered_;
}

std::vector<std::string> Http01Standalone::BoundAddresses() const {
  return server_ ? server_->BoundAddresses() : std::vector<std::string>{};
}

Http01Webroot::Http01Webroot(sys::Fs& fs, std::string webroot)
    : fs_(fs),
      webroot_(std::move(webroot)),
      challenge_dir_(sys::JoinPath(webroot_, ".well-known/acme-challenge")) {}

std::string Http01Webroot::TokenPath(const std::string& token) const {
  return sys::JoinPath(challenge_dir_, token);
}

util::Result<void> Http01Webroot::Prepare() {
  auto stat = fs_.Stat(webroot_);
  if (!stat || !stat->is_directory) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      "webroot " + webroot_ +
                          " is not a directory: pass the document root your web server serves "
                          "for http://<name>/ with --webroot");
  }
  // Web servers run as another user and must read what we write: 0755 directories.
  if (auto made = fs_.MakeDirs(challenge_dir_, 0755); !made) {
    return util::Fail(util::ErrorCode::kIo,
                      "webroot " + webroot_ + " is not writable: " + made.error().message +
                          " — run mailcert as a user that may write there");
  }
  const std::string probe = TokenPath("mailcert-write-test");
  (void)fs_.Remove(probe);
  if (auto written = fs_.WriteNewFile(probe, "", 0644); !written) {
    return util::Fail(util::ErrorCode::kIo,
                      "webroot " + webroot_ + " is not writable: " + written.error().message +
                          " — run mailcert as a user that may write there");
  }
  return fs_.Remove(probe);
}

util::Result<void> Http01Webroot::Present(const ChallengeTask& task) {
  if (!IsValidToken(task.token)) {
    return util::Fail(util::ErrorCode::kProtocol,
                      "the CA sent an HTTP-01 token that is not base64url for " + task.identifier);
  }
  const std::string path = TokenPath(task.token);
  (void)fs_.Remove(path);  // a leftover from an interrupted run with the same token
  // World-readable: the web server serving the webroot runs as another user.
  return fs_.WriteNewFile(path, task.key_authorization, 0644);
}

util::Result<void> Http01Webroot::CleanUp(const ChallengeTask& task) {
  if (!IsValidToken(task.token)) return {};
  return fs_.Remove(TokenPath(task.token));
}

}  // namespace mailcert::challenge
