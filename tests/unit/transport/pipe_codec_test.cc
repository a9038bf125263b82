#include "transport/pipe_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace etcd::transport {
namespace {

raftpb::Message App(uint64_t index, size_t payload) {
  raftpb::Message m;
  m.set_type(raftpb::MSG_APP);
  m.set_from(1);
  m.set_to(2);
  m.set_term(3);
  m.set_index(index);
  m.set_commit(index);
  auto* e = m.add_entries();
  e->set_index(index + 1);
  e->set_term(3);
  e->set_data(std::string(payload, 'x'));
  return m;
}

TEST(PipeCodecTest, MagicIsNotTheHttp2Preface) {
  EXPECT_EQ(kPipeMagic.size(), 8u);
  EXPECT_NE(kPipeMagic[0], 'P');  // "PRI * HTTP/2.0..."
}

TEST(PipeCodecTest, BatchFrameIsAPeerEnvelopeWithTheMessagesInOrder) {
  std::vector<raftpb::Message> msgs = {App(1, 10), App(2, 300), App(3, 0)};
  std::string out = "prefix";
  size_t n = AppendBatchFrame(msgs.data(), msgs.size(), &out);
  ASSERT_EQ(out.size(), 6 + n);
  // The same bytes as protobuf's own encoding of the envelope.
  peerpb::PeerEnvelope want;
  for (const auto& m : msgs) *want.mutable_batch()->add_messages() = m;
  std::string body = want.SerializeAsString();
  ASSERT_EQ(n, kFrameHeaderBytes + body.size());
  EXPECT_EQ(out.substr(6 + kFrameHeaderBytes), body);
  EXPECT_EQ(static_cast<unsigned char>(out[6]), body.size() & 0xff);
  EXPECT_EQ(static_cast<unsigned char>(out[7]), (body.size() >> 8) & 0xff);
  EXPECT_EQ(out[8], 0);
  EXPECT_EQ(out[9], 0);
}

TEST(PipeCodecTest, ReaderSplitsFramesFedByteByByte) {
  std::vector<raftpb::Message> msgs = {App(1, 1000), App(2, 5)};
  std::string wire;
  AppendBatchFrame(msgs.data(), 1, &wire);
  peerpb::PeerEnvelope ping;
  ping.mutable_ping()->set_seq(7);
  AppendEnvelopeFrame(ping, &wire);
  AppendBatchFrame(msgs.data() + 1, 1, &wire);

  FrameReader r(1 << 20);
  std::vector<peerpb::PeerEnvelope> got;
  peerpb::PeerEnvelope env;
  for (char c : wire) {
    r.Feed(std::string_view(&c, 1));
    absl::StatusOr<bool> ok = r.Next(&env);
    ASSERT_TRUE(ok.ok()) << ok.status();
    if (*ok) got.push_back(env);
  }
  ASSERT_EQ(got.size(), 3u);
  ASSERT_EQ(got[0].batch().messages_size(), 1);
  EXPECT_EQ(got[0].batch().messages(0).index(), 1u);
  EXPECT_EQ(got[0].batch().messages(0).entries(0).data().size(), 1000u);
  EXPECT_EQ(got[1].ping().seq(), 7u);
  EXPECT_EQ(got[2].batch().messages(0).index(), 2u);
  EXPECT_EQ(r.buffered(), 0u);
  absl::StatusOr<bool> none = r.Next(&env);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
}

TEST(PipeCodecTest, ReserveAndCommitAcrossManyFrames) {
  std::string wire;
  std::vector<raftpb::Message> msgs;
  for (uint64_t i = 1; i <= 200; ++i) msgs.push_back(App(i, i * 13));
  for (const auto& m : msgs) AppendBatchFrame(&m, 1, &wire);
  FrameReader r(1 << 20);
  size_t pos = 0;
  uint64_t next = 1;
  peerpb::PeerEnvelope env;
  while (pos < wire.size() || r.buffered() > 0) {
    absl::StatusOr<bool> ok = r.Next(&env);
    ASSERT_TRUE(ok.ok());
    if (*ok) {
      ASSERT_EQ(env.batch().messages(0).index(), next++);
      continue;
    }
    ASSERT_LT(pos, wire.size());
    size_t n = std::min<size_t>(777, wire.size() - pos);
    std::copy_n(wire.data() + pos, n, r.Reserve(n));
    r.Commit(n);
    pos += n;
  }
  EXPECT_EQ(next, 201u);
}

TEST(PipeCodecTest, OversizedEmptyAndUndecodableFramesAreErrors) {
  {
    FrameReader r(100);
    std::vector<raftpb::Message> msgs = {App(1, 500)};
    std::string wire;
    AppendBatchFrame(msgs.data(), 1, &wire);
    r.Feed(wire.substr(0, 4));
    peerpb::PeerEnvelope env;
    EXPECT_EQ(r.Next(&env).status().code(), absl::StatusCode::kInvalidArgument);
  }
  {
    FrameReader r(100);
    r.Feed(std::string(4, '\0'));
    peerpb::PeerEnvelope env;
    EXPECT_EQ(r.Next(&env).status().code(), absl::StatusCode::kInvalidArgument);
  }
  {
    FrameReader r(100);
    r.Feed(std::string("\x03\x00\x00\x00\xff\xff\xff", 7));
    peerpb::PeerEnvelope env;
    EXPECT_EQ(r.Next(&env).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace etcd::transport
