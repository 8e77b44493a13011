#pragma once
// One HTTP exchange on a libcurl easy handle: setting it up, collecting the response, and turning
// curl's outcome into our Result. Internal to net/ (the only place that includes curl).

#include <curl/curl.h>

#include <chrono>
#include <future>
#include <string>

#include "net/http_client.h"
#include "util/result.h"

namespace mailcert::net {

// What is the same for every request of one client.
struct CurlSettings {
  std::string user_agent;
  std::string extra_ca_bundle_file;  // empty: the system store only
  std::chrono::milliseconds connect_timeout{10000};
  size_t max_response_body = 0;
  CURLSH* share = nullptr;  // TLS session cache shared by the pooled handles
};

// One request in flight. Owned by the calling thread, which blocks on `done` until the I/O thread
// has finished with it; so `request` (the caller's) stays valid throughout.
struct Transfer {
  const HttpRequest* request = nullptr;
  std::chrono::milliseconds timeout{0};  // for this hop; redirects share the caller's budget
  HttpResponse response;
  curl_slist* headers = nullptr;
  curl_slist* connect_to = nullptr;  // CURLOPT_CONNECT_TO, when the request pins an address
  char error_buffer[CURL_ERROR_SIZE] = {};
  size_t max_response_body = 0;
  bool body_too_large = false;
  CURL* easy = nullptr;
  std::promise<util::Result<HttpResponse>> done;
};

// Frees the header and connect-to lists of a transfer (idempotent).
void FreeLists(Transfer& transfer);

// Sets up a reset easy handle for `transfer`. Returns CURLE_OK, or the code of the option that
// this libcurl refused (a build without HTTPS, say).
CURLcode ConfigureEasy(CURL* easy, const CurlSettings& settings, Transfer& transfer);

// The caller's result once curl reported `code` for the transfer on `easy`. Frees the header
// list.
util::Result<HttpResponse> CompleteTransfer(CURL* easy, Transfer& transfer, CURLcode code);

// The URL with userinfo, query and fragment left out, for logs and messages: DNS provider APIs
// carry tokens in query strings, and style.md forbids secrets in logs.
std::string RedactUrl(std::string_view url);

}  // namespace mailcert::net
