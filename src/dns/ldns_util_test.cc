// The ldns glue without sockets: records from presentation format through ldns into dns/ types,
// queries built and parsed back, and reply matching.

#include "dns/ldns_util.h"

#include <gtest/gtest.h>

#include "dns/transport.h"

namespace mailcert::dns::internal {
namespace {

Record FromText(const std::string& text) {
  ldns_rr* rr = nullptr;
  ldns_status status = ldns_rr_new_frm_str(&rr, text.c_str(), 60, nullptr, nullptr);
  EXPECT_EQ(status, LDNS_STATUS_OK) << text << ": " << ldns_get_errorstr_by_id(status);
  RrPtr owned(rr);
  return owned ? ToRecord(owned.get()) : Record{};
}

TEST(LdnsUtilTest, ConvertsTheRecordTypesWeRead) {
  Record a = FromText("WWW.Example.TEST. 300 IN A 192.0.2.1");
  EXPECT_EQ(a.name, "www.example.test");
  EXPECT_EQ(a.ttl, 300u);
  ASSERT_NE(a.As<ARecord>(), nullptr);
  EXPECT_EQ(a.As<ARecord>()->address, "192.0.2.1");

  EXPECT_EQ(FromText("x.test. IN AAAA 2001:db8::1").As<AaaaRecord>()->address, "2001:db8::1");
  EXPECT_EQ(FromText("x.test. IN CNAME Target.Other.TEST.").As<CnameRecord>()->target,
            "target.other.test");
  EXPECT_EQ(FromText("test. IN NS ns1.test.").As<NsRecord>()->host, "ns1.test");

  Record soa = FromText("test. IN SOA ns1.test. hostmaster.test. 7 3600 600 86400 60");
  ASSERT_NE(soa.As<SoaRecord>(), nullptr);
  EXPECT_EQ(soa.As<SoaRecord>()->mname, "ns1.test");
  EXPECT_EQ(soa.As<SoaRecord>()->serial, 7u);
  EXPECT_EQ(soa.As<SoaRecord>()->minimum, 60u);

  Record txt = FromText("t.test. IN TXT \"part one\" \"part;two\"");
  ASSERT_NE(txt.As<TxtRecord>(), nullptr);
  EXPECT_EQ(txt.As<TxtRecord>()->strings, (std::vector<std::string>{"part one", "part;two"}));
  EXPECT_EQ(txt.As<TxtRecord>()->Joined(), "part onepart;two");

  Record caa = FromText("c.test. IN CAA 128 issue \"letsencrypt.org; validationmethods=dns-01\"");
  ASSERT_NE(caa.As<CaaRecord>(), nullptr);
  EXPECT_EQ(caa.As<CaaRecord>()->flags, 128);
  EXPECT_TRUE(caa.As<CaaRecord>()->critical());
  EXPECT_EQ(caa.As<CaaRecord>()->tag, "issue");
  EXPECT_EQ(caa.As<CaaRecord>()->value, "letsencrypt.org; validationmethods=dns-01");

  Record tlsa = FromText("_25._tcp.mail.test. IN TLSA 3 1 1 0a0B0c");
  ASSERT_NE(tlsa.As<TlsaRecord>(), nullptr);
  EXPECT_EQ(tlsa.As<TlsaRecord>()->usage, 3);
  EXPECT_EQ(tlsa.As<TlsaRecord>()->matching_type, 1);
  EXPECT_EQ(tlsa.As<TlsaRecord>()->data, std::string("\x0a\x0b\x0c"));
  EXPECT_EQ(tlsa.ToString(), "_25._tcp.mail.test 60 TLSA 3 1 1 0a0b0c");

  Record mx = FromText("m.test. IN MX 10 mail.test.");
  EXPECT_NE(mx.As<OtherRecord>(), nullptr);
  EXPECT_EQ(RrTypeName(mx.type), "TYPE15");
}

TEST(LdnsUtilTest, BuildsQueriesThatParseBack) {
  auto wire = BuildQuery("_acme-challenge.example.test", RrType::kTxt, false, 1232, 0x4242);
  ASSERT_TRUE(wire) << wire.error().message;
  auto pkt = FromWire(*wire);
  ASSERT_TRUE(pkt) << pkt.error().message;
  EXPECT_EQ(ldns_pkt_id(pkt->get()), 0x4242);
  EXPECT_FALSE(ldns_pkt_rd(pkt->get()));
  EXPECT_EQ(ldns_pkt_edns_udp_size(pkt->get()), 1232);
  ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(pkt->get()), 0);
  EXPECT_EQ(NameText(ldns_rr_owner(question)), "_acme-challenge.example.test");
  EXPECT_EQ(ldns_rr_get_type(question), LDNS_RR_TYPE_TXT);

  auto recursive = BuildQuery("example.test", RrType::kCaa, true, 0, 1);
  ASSERT_TRUE(recursive);
  auto parsed = FromWire(*recursive);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(ldns_pkt_rd(parsed->get()));
  EXPECT_FALSE(ldns_pkt_edns(parsed->get()));
}

TEST(LdnsUtilTest, RepliesMatchOnIdAndQuestion) {
  auto query = BuildQuery("www.example.test", RrType::kA, true, 0, 7);
  ASSERT_TRUE(query);
  std::vector<uint8_t> reply = *query;
  reply[2] |= 0x80;  // QR
  EXPECT_TRUE(ReplyMatches(*query, reply));
  std::vector<uint8_t> upper = reply;
  upper[13] = 'W';  // servers may echo the name in another case (0x20 encoding)
  EXPECT_TRUE(ReplyMatches(*query, upper));
  std::vector<uint8_t> other_id = reply;
  other_id[1] ^= 1;
  EXPECT_FALSE(ReplyMatches(*query, other_id));
  std::vector<uint8_t> not_response = *query;
  EXPECT_FALSE(ReplyMatches(*query, not_response));
  std::vector<uint8_t> other_type = reply;
  other_type[reply.size() - 3] = 28;  // AAAA instead of A
  EXPECT_FALSE(ReplyMatches(*query, other_type));
}

TEST(LdnsUtilTest, ResponseCarriesHeaderBits) {
  PktPtr pkt(ldns_pkt_new());
  ldns_pkt_set_qr(pkt.get(), true);
  ldns_pkt_set_aa(pkt.get(), true);
  ldns_pkt_set_rcode(pkt.get(), LDNS_RCODE_NXDOMAIN);
  Response response = ToResponse(pkt.get(), "127.0.0.1:53");
  EXPECT_TRUE(response.authoritative);
  EXPECT_FALSE(response.truncated);
  EXPECT_EQ(response.rcode, Rcode::kNxDomain);
  EXPECT_EQ(response.server, "127.0.0.1:53");
}

}  // namespace
}  // namespace mailcert::dns::internal
