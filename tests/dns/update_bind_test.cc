// RFC 2136 updates with TSIG against a real BIND: records added and deleted as seen by a direct
// query, both HMAC algorithms, key files, and each refusal shown plainly with nothing changed
// and no secret in the message.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "bind.h"
#include "dns/resolver.h"
#include "dns/tsig_key.h"
#include "dns/update.h"
#include "sys/fs.h"
#include "util/log.h"

namespace mailcert::dns {
namespace {

using testing::BindKey;
using testing::BindOptions;
using testing::BindServer;
using testing::PrimaryZone;
using testing::RandomTsigSecret;
using testing::SimpleZoneFile;

constexpr char kChallenge[] = "_acme-challenge.example.test";

class UpdateBindTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    update_key_ = BindKey{"mailcert-update", "hmac-sha256", RandomTsigSecret(32)};
    sha512_key_ = BindKey{"mailcert-512", "hmac-sha512", RandomTsigSecret(64)};
    // Known to the server but granted nothing in example.test: its updates are REFUSED.
    idle_key_ = BindKey{"idle-key", "hmac-sha256", RandomTsigSecret(32)};
    BindOptions options;
    options.keys = {update_key_, sha512_key_, idle_key_};
    options.zones.push_back(PrimaryZone("example.test", SimpleZoneFile("example.test", {}, ""),
                                        {update_key_.name, sha512_key_.name}));
    options.zones.push_back(
        PrimaryZone("idle.test", SimpleZoneFile("idle.test", {}, ""), {idle_key_.name}));
    bind_ = std::make_unique<BindServer>(options);
    start_ = bind_->Start();
  }
  static void TearDownTestSuite() { bind_.reset(); }

 protected:
  void SetUp() override {
    ASSERT_TRUE(start_) << start_.message();
    ResolverOptions options;
    options.servers = {Server()};
    auto resolver = MakeResolver(options);
    ASSERT_TRUE(resolver) << resolver.error().message;
    resolver_ = std::move(*resolver);
  }

  static ServerAddress Server() {
    return ServerAddress{"127.0.0.1", static_cast<uint16_t>(bind_->Port())};
  }

  static TsigKey Key(const BindKey& key) {
    auto made = TsigKey::FromValues(key.name, key.algorithm, key.secret);
    EXPECT_TRUE(made) << made.error().message;
    return *made;
  }

  // The TXT values the server holds at `name` now, asked directly with RD=0.
  std::vector<std::string> TxtAt(const std::string& name) {
    auto response = resolver_->QueryServer(Server(), name, RrType::kTxt);
    EXPECT_TRUE(response) << response.error().ToString();
    std::vector<std::string> values;
    if (!response) return values;
    for (const TxtRecord& txt : response->Answers<TxtRecord>()) values.push_back(txt.Joined());
    std::sort(values.begin(), values.end());
    return values;
  }

  static void ExpectNoSecret(const QueryError& error) {
    for (const BindKey* key : {&update_key_, &sha512_key_, &idle_key_}) {
      EXPECT_EQ(error.ToString().find(key->secret), std::string::npos) << error.ToString();
    }
  }

  static inline BindKey update_key_, sha512_key_, idle_key_;
  static inline std::unique_ptr<BindServer> bind_;
  static inline ::testing::AssertionResult start_ = ::testing::AssertionFailure();
  std::unique_ptr<Resolver> resolver_;
};

TEST_F(UpdateBindTest, AddsAndDeletesTxtValues) {
  Rfc2136Client client(Server(), Key(update_key_));
  // A wildcard and its base share one name: two values at once (RFC 8555 §8.4).
  ASSERT_TRUE(
      client.Apply("example.test", {{TxtChange::Action::kAdd, kChallenge, "value-apex", 60},
                                    {TxtChange::Action::kAdd, kChallenge, "value-wildcard", 60}}));
  EXPECT_EQ(TxtAt(kChallenge), (std::vector<std::string>{"value-apex", "value-wildcard"}));

  // Adding an existing value again is a no-op for the server (RFC 2136 §3.4.2.2).
  ASSERT_TRUE(client.AddTxt("example.test", kChallenge, "value-apex"));
  EXPECT_EQ(TxtAt(kChallenge).size(), 2u);

  auto deleted = client.DeleteTxt("example.test", kChallenge, "value-apex");
  ASSERT_TRUE(deleted) << deleted.error().ToString();
  EXPECT_EQ(TxtAt(kChallenge), (std::vector<std::string>{"value-wildcard"}));

  ASSERT_TRUE(client.AddTxt("example.test", kChallenge, "third"));
  auto all = client.DeleteAllTxt("example.test", kChallenge);
  ASSERT_TRUE(all) << all.error().ToString();
  EXPECT_TRUE(TxtAt(kChallenge).empty());
}

TEST_F(UpdateBindTest, SignsWithHmacSha512AndKeepsLongValuesWhole) {
  Rfc2136Client client(Server(), Key(sha512_key_));
  std::string long_value(300, 'v');  // more than one <character-string>
  ASSERT_TRUE(client.AddTxt("example.test", "long.example.test", long_value));
  auto response = resolver_->QueryServer(Server(), "long.example.test", RrType::kTxt);
  ASSERT_TRUE(response);
  ASSERT_EQ(response->Answers<TxtRecord>().size(), 1u);
  EXPECT_EQ(response->Answers<TxtRecord>()[0].strings.size(), 2u);
  EXPECT_EQ(response->Answers<TxtRecord>()[0].Joined(), long_value);
  ASSERT_TRUE(client.DeleteAllTxt("example.test", "long.example.test"));
}

TEST_F(UpdateBindTest, KeyFromABindKeyFile) {
  auto path = bind_->WriteKeyFile(update_key_, "update.key");
  auto key = LoadBindKeyFile(sys::RealFs(), path.string());
  ASSERT_TRUE(key) << key.error().message;
  Rfc2136Client client(Server(), *key);
  ASSERT_TRUE(client.AddTxt("example.test", "file.example.test", "from-file"));
  EXPECT_EQ(TxtAt("file.example.test"), (std::vector<std::string>{"from-file"}));
  ASSERT_TRUE(client.DeleteAllTxt("example.test", "file.example.test"));
}

TEST_F(UpdateBindTest, WrongSecretIsBadsigAndChangesNothing) {
  BindKey wrong = update_key_;
  wrong.secret = RandomTsigSecret(32);
  Rfc2136Client client(Server(), Key(wrong));
  auto result = client.AddTxt("example.test", kChallenge, "forged");
  ASSERT_FALSE(result);
  const QueryError& error = result.error();
  EXPECT_EQ(error.rcode, Rcode::kBadSig);
  EXPECT_EQ(error.message,
            "update of zone example.test refused by " + Server().ToString() +
                ": NOTAUTH (TSIG key 'mailcert-update' (hmac-sha256) not accepted: BADSIG, the "
                "server has a key of this name with another secret or algorithm)");
  ExpectNoSecret(error);
  EXPECT_EQ(error.message.find(wrong.secret), std::string::npos);
  EXPECT_TRUE(TxtAt(kChallenge).empty());
}

TEST_F(UpdateBindTest, DebugLogNamesTheKeyButNeverItsSecret) {
  util::LogLevel before = util::GetLogLevel();
  util::SetLogLevel(util::LogLevel::kDebug);
  ::testing::internal::CaptureStderr();
  Rfc2136Client client(Server(), Key(update_key_));
  EXPECT_TRUE(client.AddTxt("example.test", "log.example.test", "logged"));
  EXPECT_TRUE(client.DeleteAllTxt("example.test", "log.example.test"));
  BindKey wrong = update_key_;
  wrong.secret = RandomTsigSecret(32);
  EXPECT_FALSE(Rfc2136Client(Server(), Key(wrong)).AddTxt("example.test", kChallenge, "x"));
  std::string log = ::testing::internal::GetCapturedStderr();
  util::SetLogLevel(before);
  EXPECT_NE(log.find("update of zone example.test at " + Server().ToString() +
                     " with TSIG key 'mailcert-update'"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find(update_key_.secret), std::string::npos);
  EXPECT_EQ(log.find(wrong.secret), std::string::npos);
}

TEST_F(UpdateBindTest, UnknownKeyIsBadkey) {
  Rfc2136Client client(Server(), Key(BindKey{"nobody", "hmac-sha256", RandomTsigSecret()}));
  auto result = client.AddTxt("example.test", kChallenge, "x");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().rcode, Rcode::kBadKey);
  EXPECT_NE(result.error().message.find("NOTAUTH (TSIG key 'nobody' (hmac-sha256) not accepted: "
                                        "BADKEY"),
            std::string::npos)
      << result.error().message;
  EXPECT_TRUE(TxtAt(kChallenge).empty());
}

TEST_F(UpdateBindTest, AlgorithmMismatchIsRefusedToo) {
  BindKey other_algorithm = update_key_;
  other_algorithm.algorithm = "hmac-sha512";
  Rfc2136Client client(Server(), Key(other_algorithm));
  auto result = client.AddTxt("example.test", kChallenge, "x");
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("not accepted"), std::string::npos)
      << result.error().message;
  EXPECT_TRUE(TxtAt(kChallenge).empty());
}

TEST_F(UpdateBindTest, ZoneTheServerDoesNotHaveIsNotauth) {
  Rfc2136Client client(Server(), Key(update_key_));
  auto result = client.AddTxt("nowhere.test", "_acme-challenge.nowhere.test", "x");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().rcode, Rcode::kNotAuth);
  EXPECT_EQ(result.error().message,
            "update of zone nowhere.test refused by " + Server().ToString() +
                ": NOTAUTH (the server is not authoritative for zone nowhere.test (check the "
                "zone name, and send updates to its primary server))");
  ExpectNoSecret(result.error());
}

TEST_F(UpdateBindTest, KeyWithoutPermissionIsRefused) {
  Rfc2136Client client(Server(), Key(idle_key_));
  auto result = client.AddTxt("example.test", kChallenge, "x");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().failure, QueryFailure::kRefused);
  EXPECT_NE(result.error().message.find(": REFUSED (the server's policy does not let TSIG key "
                                        "'idle-key' (hmac-sha256) change these names"),
            std::string::npos)
      << result.error().message;
  EXPECT_TRUE(TxtAt(kChallenge).empty());
}

TEST_F(UpdateBindTest, NameOutsideTheZoneIsRefusedBeforeSending) {
  Rfc2136Client client(Server(), Key(update_key_));
  auto result = client.AddTxt("example.test", "_acme-challenge.example.org", "x");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().failure, QueryFailure::kInvalidName);
  EXPECT_NE(result.error().message.find("_acme-challenge.example.org is not in zone example.test"),
            std::string::npos);
}

TEST_F(UpdateBindTest, UnreachableServerSaysSo) {
  ServerAddress closed{"127.0.0.1", static_cast<uint16_t>(testing::FreeTcpPort())};
  Rfc2136Client client(closed, Key(update_key_));
  auto result = client.AddTxt("example.test", kChallenge, "x");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().failure, QueryFailure::kUnreachable);
  EXPECT_NE(result.error().message.find("update of zone example.test at " + closed.ToString()),
            std::string::npos)
      << result.error().message;
}

}  // namespace
}  // namespace mailcert::dns
