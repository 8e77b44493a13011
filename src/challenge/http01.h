#pragma once
// HTTP-01 (RFC 8555 §8.3): the CA fetches
// http://<name>/.well-known/acme-challenge/<token> and expects the key authorization.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "challenge/solver.h"
#include "net/http_server.h"
#include "sys/fs.h"

namespace mailcert::challenge {

inline constexpr const char* kAcmeChallengePath = "/.well-known/acme-challenge/";

// A built-in responder on the given addresses ("[::]:80", "127.0.0.1:5002", ":80" for every
// IPv4 and IPv6 address). It answers only the challenge path for tokens in flight; everything
// else gets 404.
class Http01Standalone final : public Solver {
 public:
  explicit Http01Standalone(std::vector<std::string> listen_addresses);
  ~Http01Standalone() override;

  std::string ChallengeType() const override { return "http-01"; }
  util::Result<void> Prepare() override;  // binds the listeners
  util::Result<void> Present(const ChallengeTask& task) override;
  util::Result<void> CleanUp(const ChallengeTask& task) override;

  // Number of challenge requests answered with a key authorization (for progress output).
  int answered() const;
  // The addresses bound once Prepare() succeeded ("127.0.0.1:5002", "[::1]:5002").
  std::vector<std::string> BoundAddresses() const;

 private:
  net::ServerResponse Answer(const net::ServerRequest& request);

  std::vector<std::string> listen_addresses_;
  std::unique_ptr<net::HttpServer> server_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> tokens_;  // token → key authorization
  int answered_ = 0;
};

// Writes <webroot>/.well-known/acme-challenge/<token> for a web server that already serves the
// name on port 80, and removes it afterwards.
class Http01Webroot final : public Solver {
 public:
  Http01Webroot(sys::Fs& fs, std::string webroot);

  std::string ChallengeType() const override { return "http-01"; }
  util::Result<void> Prepare() override;  // creates the directory and proves it is writable
  util::Result<void> Present(const ChallengeTask& task) override;
  util::Result<void> CleanUp(const ChallengeTask& task) override;

 private:
  std::string TokenPath(const std::string& token) const;

  sys::Fs& fs_;
  std::string webroot_;
  std::string challenge_dir_;
};

// Tokens are base64url (RFC 8555 §8.3); anything else could escape the directory.
bool IsValidToken(const std::string& token);

}  // namespace mailcert::challenge
