#pragma once
// AWS Signature Version 4 (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html):
// the canonical request, the string to sign, the signing key derived from the secret by four
// HMAC-SHA256 steps, and the Authorization header. Used by the Route 53 provider; checked
// against AWS's published SigV4 test-suite vectors. Internal to challenge/providers/.

#include <string>
#include <string_view>

#include "net/http_client.h"
#include "util/result.h"
#include "util/time.h"

namespace mailcert::challenge::api {

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials (STS) only
};

struct SigV4Scope {
  std::string region;   // "us-east-1" (Route 53 signs there whatever the zone)
  std::string service;  // "route53"
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-date"
  std::string signature;       // lowercase hex
  std::string authorization;   // the Authorization header value
};

// Signs `method` on `url` with exactly `headers` (each name lowercased in the canonical form,
// values trimmed, inner runs of spaces collapsed) and the SHA-256 of `body`, at `amz_date`
// ("20150830T123600Z"). Errors: kInvalidInput (URL without scheme and host, a bad date, empty
// secret).
util::Result<SigV4Signature> ComputeSigV4(std::string_view method, std::string_view url,
                                          const net::HeaderList& headers, std::string_view body,
                                          const SigV4Credentials& credentials,
                                          const SigV4Scope& scope, std::string_view amz_date);

// Adds X-Amz-Date, X-Amz-Security-Token (with a session token) and Authorization to `request`,
// signing Host, X-Amz-Date, Content-Type when set, and the token. Errors: as ComputeSigV4.
util::Result<void> SignSigV4(net::HttpRequest& request, const SigV4Credentials& credentials,
                             const SigV4Scope& scope, util::TimePoint now);

// "20150830T123600Z" for a time point (UTC).
std::string AmzDate(util::TimePoint now);

// The authority of a URL as a Host header carries it: "example.amazonaws.com",
// "127.0.0.1:8080".
std::string HostHeaderOf(std::string_view url);

}  // namespace mailcert::challenge::api
