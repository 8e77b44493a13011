#include "challenge/providers/fake_api.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "util/strings.h"

namespace mailcert::challenge::testing {

Target ParseTarget(const std::string& target) {
  Target parsed;
  size_t question = target.find('?');
  parsed.path = UrlDecode(target.substr(0, question), false);
  if (question != std::string::npos) parsed.query = ParseForm(target.substr(question + 1));
  return parsed;
}

std::string UrlDecode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      decoded.push_back(
          static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (text[i] == '+' && plus_is_space) {
      decoded.push_back(' ');
    } else {
      decoded.push_back(text[i]);
    }
  }
  return decoded;
}

std::map<std::string, std::string> ParseForm(std::string_view body) {
  std::map<std::string, std::string> form;
  for (const std::string& pair : util::Split(body, '&')) {
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    form[UrlDecode(pair.substr(0, equals))] =
        equals == std::string::npos ? "" : UrlDecode(pair.substr(equals + 1));
  }
  return form;
}

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> segments;
  for (const std::string& segment : util::Split(path, '/')) {
    if (!segment.empty()) segments.push_back(segment);
  }
  return segments;
}

net::ServerResponse JsonResponse(int status, const util::Json& body) {
  return TextResponse(status, "application/json", body.is_null() ? "" : util::DumpJson(body));
}

net::ServerResponse TextResponse(int status, std::string content_type, std::string body) {
  net::ServerResponse response;
  response.status = status;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  return response;
}

FakeApi::~FakeApi() { server_.reset(); }  // stop the thread before members go away

void FakeApi::Start() {
  auto server = net::HttpServer::Start(
      {"127.0.0.1:0"}, [this](const net::ServerRequest& request) { return Dispatch(request); });
  ASSERT_TRUE(server) << server.error().ToString();
  server_ = std::move(*server);
  base_url_ = "http://" + server_->BoundAddresses().at(0);
}

net::ServerResponse FakeApi::Dispatch(const net::ServerRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  log_.push_back(request.method + " " + request.target);
  if (fail_status_ != 0 && IsWrite(request)) return ErrorResponse(fail_status_, fail_message_);
  return Handle(request);
}

bool FakeApi::IsWrite(const net::ServerRequest& request) const { return request.method != "GET"; }

void FakeApi::FailWrites(int status, const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_status_ = status;
  fail_message_ = message;
}

void FakeApi::AddZone(const std::string& zone, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  zones_[zone] = id.empty() ? "zone-" + std::to_string(next_id_++) : id;
}

std::string FakeApi::ZoneId(const std::string& zone) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto found = zones_.find(zone);
  return found == zones_.end() ? "" : found->second;
}

std::string FakeApi::ZoneNameById(const std::string& id) const {
  for (const auto& [name, zone_id] : zones_) {
    if (zone_id == id) return name;
  }
  return "";
}

std::string FakeApi::AddRecord(FakeRecord record) {
  std::lock_guard<std::mutex> lock(mu_);
  if (record.id.empty()) record.id = NewId();
  records_.push_back(record);
  return record.id;
}

std::string FakeApi::NewId() { return std::to_string(next_id_++); }

FakeRecord FakeApi::CreateRecord(const std::string& zone, const std::string& relative,
                                 std::string_view apex, std::string type, std::string value,
                                 int ttl) {
  std::string name = relative == apex ? zone : relative + "." + zone;
  records_.push_back({NewId(), zone, name, std::move(type), std::move(value), ttl, 0});
  return records_.back();
}

std::vector<FakeRecord> FakeApi::Records(const std::string& name, const std::string& type) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<FakeRecord> found;
  for (const FakeRecord& record : records_) {
    if (record.name == name && record.type == type) found.push_back(record);
  }
  return found;
}

std::vector<std::string> FakeApi::TxtValues(const std::string& name) const {
  std::vector<std::string> values;
  for (const FakeRecord& record : Records(name, "TXT")) values.push_back(record.value);
  std::sort(values.begin(), values.end());
  return values;
}

std::vector<FakeRecord> FakeApi::AllRecords() const {
  std::lock_guard<std::mutex> lock(mu_);
  return records_;
}

std::vector<std::string> FakeApi::RequestLog() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

ProviderCase TokenCase(std::string name, std::string acme_sh_name, std::string token_setting,
                       std::string token, int ttl,
                       std::function<std::unique_ptr<FakeApi>()> make_fake,
                       std::function<ProviderSettings(const FakeApi&)> settings) {
  ProviderCase c;
  c.name = std::move(name);
  c.acme_sh_name = std::move(acme_sh_name);
  c.required = {token_setting};
  c.secret_setting = std::move(token_setting);
  c.ttl = ttl;
  c.make_fake = std::move(make_fake);
  c.settings = std::move(settings);
  c.secrets = {std::move(token)};
  return c;
}

std::unique_ptr<net::HttpClient> MakeTestHttpClient() {
  net::HttpClientOptions options;
  options.user_agent = "mailcert-test";
  auto client = net::MakeHttpClient(options);
  EXPECT_TRUE(client) << client.error().ToString();
  return client ? std::move(*client) : nullptr;
}

}  // namespace mailcert::challenge::testing
