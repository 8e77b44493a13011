// The real Resolver and the zone helpers against a real BIND on loopback: record types, TCP
// fallback, RCODEs and transport failures as distinct kinds, zone finding, authoritative
// servers and CNAME delegation into a second zone.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>

#include "bind.h"
#include "dns/resolver.h"
#include "dns/zone.h"

namespace mailcert::dns {
namespace {

using testing::BindOptions;
using testing::BindServer;
using testing::PrimaryZone;
using testing::SimpleZoneFile;

std::string BigTxtSet() {
  // 30 values of 100 octets: about 3.5 kB, far over the 1232-octet EDNS UDP limit.
  std::string records;
  for (int i = 0; i < 30; ++i) {
    records += "big IN TXT \"" + std::to_string(100 + i) + std::string(97, 'x') + "\"\n";
  }
  return records;
}

class ResolverBindTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    BindOptions options;
    options.zones.push_back(PrimaryZone(
        "example.test",
        SimpleZoneFile("example.test",
                       {{"ns1.example.test", "127.0.0.1"}, {"ns2.example.test", "127.0.0.1"}},
                       "ns2 IN AAAA ::1\n"
                       "www IN A 192.0.2.1\n"
                       "www IN AAAA 2001:db8::1\n"
                       "txt IN TXT \"hello\" \"world\"\n"
                       "@ IN CAA 0 issue \"letsencrypt.org\"\n"
                       "@ IN CAA 0 iodef \"mailto:security@example.test\"\n"
                       "_25._tcp.mail IN TLSA 3 1 1 "
                       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
                       "alias IN CNAME www\n"
                       "_acme-challenge.www IN CNAME www.acme.other.test.\n"
                       "_acme-challenge.two IN CNAME hop.other.test.\n"
                       "loop1 IN CNAME loop2\n"
                       "loop2 IN CNAME loop1\n" +
                           BigTxtSet())));
    options.zones.push_back(
        PrimaryZone("other.test", SimpleZoneFile("other.test", {{"ns1.other.test", "127.0.0.1"}},
                                                 "www.acme IN TXT \"delegated\"\n"
                                                 "ghost IN TXT \"a name server without address\"\n"
                                                 "hop IN CNAME www.acme\n")));
    // A zone with a name server that has no address: it must be reported, not skipped. (BIND
    // refuses to load a zone whose in-zone NS target lacks an address, so the target lives in
    // other.test.)
    options.zones.push_back(PrimaryZone(
        "lame.test",
        SimpleZoneFile("lame.test", {{"ns1.lame.test", "127.0.0.1"}, {"ghost.other.test", ""}},
                       "")));
    bind_ = std::make_unique<BindServer>(options);
    start_ = bind_->Start();
  }
  static void TearDownTestSuite() { bind_.reset(); }

 protected:
  void SetUp() override { ASSERT_TRUE(start_) << start_.message(); }

  static ServerAddress Bind() { return ServerAddress{"127.0.0.1", Port()}; }
  static uint16_t Port() { return static_cast<uint16_t>(bind_->Port()); }

  static std::unique_ptr<Resolver> MakeFor(
      std::vector<ServerAddress> servers,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(2000), int attempts = 2) {
    ResolverOptions options;
    options.servers = std::move(servers);
    options.timeout = timeout;
    options.attempts = attempts;
    auto resolver = MakeResolver(options);
    EXPECT_TRUE(resolver) << resolver.error().message;
    return resolver ? std::move(*resolver) : nullptr;
  }

  static inline std::unique_ptr<BindServer> bind_;
  static inline ::testing::AssertionResult start_ = ::testing::AssertionFailure();
};

TEST_F(ResolverBindTest, AnswersEachRecordType) {
  auto resolver = MakeFor({Bind()});
  auto a = resolver->Query("WWW.example.test.", RrType::kA);
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(a->rcode, Rcode::kNoError);
  EXPECT_TRUE(a->authoritative);
  EXPECT_EQ(a->server, Bind().ToString());
  ASSERT_EQ(a->Answers<ARecord>().size(), 1u);
  EXPECT_EQ(a->Answers<ARecord>()[0].address, "192.0.2.1");
  EXPECT_EQ(a->answer[0].name, "www.example.test");
  EXPECT_EQ(a->answer[0].ttl, 60u);

  auto aaaa = resolver->Query("www.example.test", RrType::kAaaa);
  ASSERT_TRUE(aaaa);
  EXPECT_EQ(aaaa->Answers<AaaaRecord>().at(0).address, "2001:db8::1");

  auto txt = resolver->Query("txt.example.test", RrType::kTxt);
  ASSERT_TRUE(txt);
  EXPECT_EQ(txt->Answers<TxtRecord>().at(0).strings, (std::vector<std::string>{"hello", "world"}));

  auto caa = resolver->Query("example.test", RrType::kCaa);
  ASSERT_TRUE(caa);
  ASSERT_EQ(caa->Answers<CaaRecord>().size(), 2u);
  bool saw_issue = false;
  for (const CaaRecord& record : caa->Answers<CaaRecord>()) {
    if (record.tag == "issue") {
      saw_issue = true;
      EXPECT_EQ(record.value, "letsencrypt.org");
      EXPECT_EQ(record.flags, 0);
    }
  }
  EXPECT_TRUE(saw_issue);

  auto ns = resolver->Query("example.test", RrType::kNs);
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->Answers<NsRecord>().size(), 2u);

  auto soa = resolver->Query("example.test", RrType::kSoa);
  ASSERT_TRUE(soa);
  ASSERT_EQ(soa->Answers<SoaRecord>().size(), 1u);
  EXPECT_EQ(soa->Answers<SoaRecord>()[0].mname, "ns1.example.test");
  EXPECT_EQ(soa->Answers<SoaRecord>()[0].serial, 1u);

  auto tlsa = resolver->Query("_25._tcp.mail.example.test", RrType::kTlsa);
  ASSERT_TRUE(tlsa);
  ASSERT_EQ(tlsa->Answers<TlsaRecord>().size(), 1u);
  EXPECT_EQ(tlsa->Answers<TlsaRecord>()[0].usage, 3);
  EXPECT_EQ(tlsa->Answers<TlsaRecord>()[0].data.size(), 32u);
}

TEST_F(ResolverBindTest, NxDomainIsAnAnswerWithTheZoneSoa) {
  auto resolver = MakeFor({Bind()});
  auto missing = resolver->Query("nothing-here.example.test", RrType::kA);
  ASSERT_TRUE(missing) << missing.error().ToString();
  EXPECT_EQ(missing->rcode, Rcode::kNxDomain);
  EXPECT_TRUE(missing->answer.empty());
  ASSERT_FALSE(missing->authority.empty());
  EXPECT_EQ(missing->authority[0].type, RrType::kSoa);
  EXPECT_EQ(missing->authority[0].name, "example.test");
}

TEST_F(ResolverBindTest, TruncatedUdpAnswerIsRepeatedOverTcp) {
  auto resolver = MakeFor({Bind()});
  auto big = resolver->Query("big.example.test", RrType::kTxt);
  ASSERT_TRUE(big) << big.error().ToString();
  EXPECT_EQ(big->transport, Transport::kTcp);
  EXPECT_FALSE(big->truncated);
  EXPECT_EQ(big->Answers<TxtRecord>().size(), 30u);

  auto small = resolver->Query("txt.example.test", RrType::kTxt);
  ASSERT_TRUE(small);
  EXPECT_EQ(small->transport, Transport::kUdp);
}

TEST_F(ResolverBindTest, WithoutEdnsTheLimitIs512Octets) {
  ResolverOptions options;
  options.servers = {Bind()};
  options.udp_payload_size = 0;
  auto resolver = MakeResolver(options);
  ASSERT_TRUE(resolver);
  auto big = (*resolver)->Query("big.example.test", RrType::kTxt);
  ASSERT_TRUE(big) << big.error().ToString();
  EXPECT_EQ(big->transport, Transport::kTcp);
  EXPECT_EQ(big->Answers<TxtRecord>().size(), 30u);
}

TEST_F(ResolverBindTest, AnswersOverIpv6) {
  if (!bind_->HasIpv6()) {
    GTEST_FAIL() << "this host has no IPv6 on loopback; the dns tests need ::1";
  }
  auto resolver = MakeFor({ServerAddress{"::1", Port()}});
  auto a = resolver->Query("www.example.test", RrType::kA);
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(a->server, "[::1]:" + std::to_string(Port()));
}

TEST_F(ResolverBindTest, RefusedIsItsOwnKind) {
  auto resolver = MakeFor({Bind()});
  auto refused = resolver->Query("example.org", RrType::kA);  // not served, no recursion
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().failure, QueryFailure::kRefused);
  EXPECT_EQ(refused.error().rcode, Rcode::kRefused);
  EXPECT_EQ(refused.error().server, Bind().ToString());
  EXPECT_NE(refused.error().message.find("example.org A at " + Bind().ToString() + ": REFUSED"),
            std::string::npos)
      << refused.error().message;
}

TEST_F(ResolverBindTest, NothingListeningIsUnreachableNotATimeout) {
  int closed_port = testing::FreeTcpPort();
  auto resolver = MakeFor({ServerAddress{"127.0.0.1", static_cast<uint16_t>(closed_port)}});
  auto start = std::chrono::steady_clock::now();
  auto result = resolver->Query("www.example.test", RrType::kA);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().failure, QueryFailure::kUnreachable) << result.error().ToString();
  EXPECT_NE(result.error().message.find("nothing listens there"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST_F(ResolverBindTest, SilenceIsATimeoutWithinTheBound) {
  // A UDP socket that never answers.
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ServerAddress silent{"127.0.0.1", ntohs(address.sin_port)};

  auto resolver = MakeFor({silent}, std::chrono::milliseconds(300), 2);
  auto start = std::chrono::steady_clock::now();
  auto result = resolver->Query("www.example.test", RrType::kA);
  auto elapsed = std::chrono::steady_clock::now() - start;
  close(fd);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().failure, QueryFailure::kTimeout);
  EXPECT_EQ(result.error().code, util::ErrorCode::kTimeout);
  EXPECT_GE(elapsed, std::chrono::milliseconds(550));
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
}

TEST_F(ResolverBindTest, NextServerAnswersWhenTheFirstFails) {
  int closed_port = testing::FreeTcpPort();
  auto resolver = MakeFor({ServerAddress{"127.0.0.1", static_cast<uint16_t>(closed_port)}, Bind()});
  auto a = resolver->Query("www.example.test", RrType::kA);
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(a->server, Bind().ToString());
}

TEST_F(ResolverBindTest, AnAnswerIsReportedOverSilence) {
  ServerAddress closed{"127.0.0.1", static_cast<uint16_t>(testing::FreeTcpPort())};
  auto resolver = MakeFor({closed, Bind()});
  auto result = resolver->Query("example.org", RrType::kA);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().failure, QueryFailure::kRefused);
  EXPECT_EQ(result.error().detail,
            "asked " + closed.ToString() + ": unreachable; " + Bind().ToString() + ": REFUSED");
}

TEST_F(ResolverBindTest, QueryServerAsksOneServerWithoutRecursion) {
  auto resolver = MakeFor({ServerAddress{"127.0.0.1", 1}});  // never used by QueryServer
  auto a = resolver->QueryServer(Bind(), "www.example.test", RrType::kA);
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_TRUE(a->authoritative);
  EXPECT_FALSE(a->recursion_available);
}

TEST_F(ResolverBindTest, FindsTheZoneByWalkingUp) {
  auto resolver = MakeFor({Bind()});
  for (const char* name :
       {"example.test", "www.example.test", "a.b.c.example.test", "_acme-challenge.example.test",
        "*.example.test", "_acme-challenge.www.example.test"}) {
    auto zone = FindZone(*resolver, name);
    ASSERT_TRUE(zone) << name << ": " << zone.error().ToString();
    EXPECT_EQ(zone->zone, "example.test") << name;
    EXPECT_EQ(zone->soa.mname, "ns1.example.test") << name;
  }
  auto other = FindZone(*resolver, "www.acme.other.test");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->zone, "other.test");

  auto outside = FindZone(*resolver, "mail.example.org");
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().failure, QueryFailure::kRefused);
}

TEST_F(ResolverBindTest, FollowsAcmeChallengeCnamesIntoAnotherZone) {
  auto resolver = MakeFor({Bind()});
  auto target = FollowCnames(*resolver, "_acme-challenge.www.example.test");
  ASSERT_TRUE(target) << target.error().ToString();
  EXPECT_EQ(*target, "www.acme.other.test");
  auto two_hops = FollowCnames(*resolver, "_acme-challenge.two.example.test");
  ASSERT_TRUE(two_hops);
  EXPECT_EQ(*two_hops, "www.acme.other.test");
  auto zone = FindZone(*resolver, *target);
  ASSERT_TRUE(zone);
  EXPECT_EQ(zone->zone, "other.test");

  auto plain = FollowCnames(*resolver, "_acme-challenge.mail.example.test");  // NXDOMAIN
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, "_acme-challenge.mail.example.test");

  auto loop = FollowCnames(*resolver, "loop1.example.test");
  ASSERT_FALSE(loop);
  EXPECT_EQ(loop.error().failure, QueryFailure::kInconsistent);
  EXPECT_NE(loop.error().message.find("CNAME loop"), std::string::npos);
}

TEST_F(ResolverBindTest, ListsAuthoritativeServersAndAsksEachDirectly) {
  auto resolver = MakeFor({Bind()});
  AuthorityOptions options;
  options.port = Port();
  auto servers = AuthoritativeServers(*resolver, "example.test", options);
  ASSERT_TRUE(servers) << servers.error().ToString();
  ASSERT_EQ(servers->size(), 2u);
  const NameServer* ns2 = nullptr;
  for (const NameServer& server : *servers) {
    EXPECT_TRUE(server.problem.empty()) << server.host << ": " << server.problem;
    if (server.host == "ns2.example.test") ns2 = &server;
  }
  ASSERT_NE(ns2, nullptr);
  EXPECT_EQ(ns2->addresses, (std::vector<ServerAddress>{{"127.0.0.1", Port()}, {"::1", Port()}}));

  auto answers = QueryEachAuthoritative(*resolver, *servers, "txt.example.test", RrType::kTxt);
  ASSERT_EQ(answers.size(), 3u);  // ns1: 127.0.0.1; ns2: 127.0.0.1 and ::1
  for (const ServerAnswer& answer : answers) {
    if (answer.address.is_ipv6() && !bind_->HasIpv6()) continue;
    ASSERT_TRUE(answer.result) << answer.host << " " << answer.address.ToString() << ": "
                               << answer.result.error().ToString();
    EXPECT_TRUE(answer.result->authoritative);
    EXPECT_EQ(answer.result->Answers<TxtRecord>().size(), 1u);
  }
}

TEST_F(ResolverBindTest, ServerWithoutAddressIsReportedNotDropped) {
  auto resolver = MakeFor({Bind()});
  AuthorityOptions options;
  options.port = Port();
  auto servers = AuthoritativeServers(*resolver, "lame.test", options);
  ASSERT_TRUE(servers) << servers.error().ToString();
  ASSERT_EQ(servers->size(), 2u);
  for (const NameServer& server : *servers) {
    if (server.host == "ghost.other.test") {
      EXPECT_TRUE(server.addresses.empty());
      EXPECT_EQ(server.problem, "ghost.other.test has no A or AAAA record");
    } else {
      EXPECT_EQ(server.host, "ns1.lame.test");
      EXPECT_TRUE(server.problem.empty()) << server.problem;
    }
  }
}

TEST_F(ResolverBindTest, AddressOverridesReplaceLookups) {
  auto resolver = MakeFor({Bind()});
  AuthorityOptions options;
  options.address_overrides["ghost.other.test"] = {ServerAddress{"127.0.0.1", Port()}};
  auto servers = AuthoritativeServers(*resolver, "lame.test", options);
  ASSERT_TRUE(servers) << servers.error().ToString();
  for (const NameServer& server : *servers) {
    if (server.host != "ghost.other.test") continue;
    EXPECT_TRUE(server.problem.empty());
    EXPECT_EQ(server.addresses, (std::vector<ServerAddress>{{"127.0.0.1", Port()}}));
  }
}

TEST(ResolverOptionsTest, ReadsResolvConfOrSaysWhyNot) {
  ResolverOptions missing;
  missing.resolv_conf = "/nonexistent/resolv.conf";
  auto failed = MakeResolver(missing);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, util::ErrorCode::kIo);
  EXPECT_NE(failed.error().message.find("/nonexistent/resolv.conf"), std::string::npos);

  ResolverOptions bad_attempts;
  bad_attempts.servers = {ServerAddress{"127.0.0.1", 53}};
  bad_attempts.attempts = 0;
  EXPECT_FALSE(MakeResolver(bad_attempts));
}

}  // namespace
}  // namespace mailcert::dns
