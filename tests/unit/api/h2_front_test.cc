// The h2 front door through a ClientPort (native_kv on): real gRPC C++ clients and a
// raw nghttp2 client on 127.0.0.1, a FakeServerApi behind.
#include "api/h2_front.h"

#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "api/grpc_wire.h"
#include "common/errors.h"
#include "etcdserverpb/rpc.grpc.pb.h"
#include "gtest/gtest.h"
#include "test_port.h"

namespace etcd::api {
namespace {

using testing::TestPort;

// Every test here runs with the front door on, whatever the default.
ClientPortOptions Native() {
  ClientPortOptions o = TestPort::DefaultOptions();
  o.native_kv = true;
  return o;
}

void AnswerAllKv(TestPort& t) {
  t.api().on_Range = [&t](const server::RequestContext&, const etcdserverpb::RangeRequest& req,
                          server::Done<etcdserverpb::RangeResponse> done) {
    etcdserverpb::RangeResponse r;
    t.api().FillHeader(r.mutable_header());
    auto* kv = r.add_kvs();
    kv->set_key(req.key());
    kv->set_value(std::string(100000, 'v'));  // several DATA frames
    done(std::move(r));
  };
}

TEST(H2FrontTest, KvCallsAreAnsweredWithoutGrpc) {
  TestPort t(Native());
  AnswerAllKv(t);
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  {
    grpc::ClientContext ctx;
    etcdserverpb::RangeRequest req;
    req.set_key("foo");
    etcdserverpb::RangeResponse resp;
    ASSERT_TRUE(stub->Range(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.kvs_size(), 1);
    EXPECT_EQ(resp.kvs(0).key(), "foo");
    EXPECT_EQ(resp.kvs(0).value().size(), 100000u);
    EXPECT_EQ(resp.header().revision(), 2);
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::PutRequest req;
    req.set_key("k");
    etcdserverpb::PutResponse resp;
    ASSERT_TRUE(stub->Put(&ctx, req, &resp).ok());
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::DeleteRangeRequest req;
    etcdserverpb::DeleteRangeResponse resp;
    ASSERT_TRUE(stub->DeleteRange(&ctx, req, &resp).ok());
  }
  {
    grpc::ClientContext ctx;
    etcdserverpb::TxnRequest req;
    etcdserverpb::TxnResponse resp;
    ASSERT_TRUE(stub->Txn(&ctx, req, &resp).ok());
  }
  EXPECT_EQ(t.port().native_kv_calls(), 4u);
  EXPECT_EQ(t.api().Calls("Range") + t.api().Calls("Put") + t.api().Calls("DeleteRange") +
                t.api().Calls("Txn"),
            4);
}

TEST(H2FrontTest, WithoutNativeKvGrpcServesEverything) {
  auto o = TestPort::DefaultOptions();
  o.native_kv = false;
  TestPort t(o);
  AnswerAllKv(t);
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  grpc::ClientContext ctx;
  etcdserverpb::RangeRequest req;
  req.set_key("foo");
  etcdserverpb::RangeResponse resp;
  ASSERT_TRUE(stub->Range(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.kvs(0).key(), "foo");
  EXPECT_EQ(t.port().native_kv_calls(), 0u);
}

TEST(H2FrontTest, ErrorsKeepCodeAndMessage) {
  TestPort t(Native());
  t.api().on_Put = [](const server::RequestContext&, const etcdserverpb::PutRequest&,
                      server::Done<etcdserverpb::PutResponse> done) {
    done(errors::Make(errors::Err::kLeaseNotFound));
  };
  t.api().on_Txn = [](const server::RequestContext&, const etcdserverpb::TxnRequest&,
                      server::Done<etcdserverpb::TxnResponse> done) {
    done(absl::FailedPreconditionError("100% odd\nmessage \xc3\xa9"));  // needs encoding
  };
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  grpc::ClientContext ctx;
  etcdserverpb::PutRequest req;
  req.set_key("foo");
  etcdserverpb::PutResponse resp;
  grpc::Status s = stub->Put(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "etcdserver: requested lease not found");

  grpc::ClientContext ctx2;
  etcdserverpb::TxnRequest treq;
  etcdserverpb::TxnResponse tresp;
  s = stub->Txn(&ctx2, treq, &tresp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "100% odd\nmessage \xc3\xa9");
  EXPECT_EQ(t.port().native_kv_calls(), 2u);
}

TEST(H2FrontTest, OtherCallsAreRelayedToGrpc) {
  TestPort t(Native());
  auto kv = etcdserverpb::KV::NewStub(t.Channel());
  grpc::ClientContext ctx;
  etcdserverpb::CompactionRequest req;
  req.set_revision(5);
  etcdserverpb::CompactionResponse resp;
  ASSERT_TRUE(kv->Compact(&ctx, req, &resp).ok());
  EXPECT_EQ(t.api().Calls("Compact"), 1);
  EXPECT_EQ(t.port().native_kv_calls(), 0u);

  // A relayed error keeps code and message too.
  t.api().on_LeaseRevoke = [](const server::RequestContext&,
                              const etcdserverpb::LeaseRevokeRequest&,
                              server::Done<etcdserverpb::LeaseRevokeResponse> done) {
    done(errors::Make(errors::Err::kLeaseNotFound));
  };
  auto lease = etcdserverpb::Lease::NewStub(t.Channel());
  grpc::ClientContext ctx2;
  etcdserverpb::LeaseRevokeRequest rr;
  etcdserverpb::LeaseRevokeResponse rresp;
  grpc::Status s = lease->LeaseRevoke(&ctx2, rr, &rresp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "etcdserver: requested lease not found");

  // An unknown method: gRPC's own answer, relayed.
  auto generic = std::make_unique<grpc::GenericStub>(t.Channel());
  grpc::ClientContext ctx4;
  grpc::CompletionQueue cq;
  grpc::ByteBuffer in, out;
  auto call = generic->PrepareUnaryCall(&ctx4, "/etcdserverpb.KV/NoSuchMethod", in, &cq);
  call->StartCall();
  grpc::Status us;
  call->Finish(&out, &us, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_EQ(us.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

// Big messages through the relay both ways: the windows must be given back as the
// bytes move on, or the stream stalls.
TEST(H2FrontTest, RelayedLargeMessagesBothWays) {
  TestPort t(Native());
  t.api().on_MemberList = [&t](const server::RequestContext&,
                               const etcdserverpb::MemberListRequest&,
                               server::Done<etcdserverpb::MemberListResponse> done) {
    etcdserverpb::MemberListResponse r;
    t.api().FillHeader(r.mutable_header());
    for (int i = 0; i < 3000; ++i) r.add_members()->set_name(std::string(3000, 'a' + i % 26));
    done(std::move(r));
  };
  t.api().on_MemberAdd = [&t](const server::RequestContext&,
                              const etcdserverpb::MemberAddRequest& req,
                              server::Done<etcdserverpb::MemberAddResponse> done) {
    etcdserverpb::MemberAddResponse r;
    t.api().FillHeader(r.mutable_header());
    r.mutable_member()->set_name(std::to_string(req.peerurls_size()));
    done(std::move(r));
  };
  auto stub = etcdserverpb::Cluster::NewStub(t.Channel());
  for (int round = 0; round < 3; ++round) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    etcdserverpb::MemberListRequest req;
    etcdserverpb::MemberListResponse resp;
    grpc::Status s = stub->MemberList(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(resp.members_size(), 3000);
    EXPECT_EQ(resp.members(2999).name(), std::string(3000, 'a' + 2999 % 26));

    grpc::ClientContext ctx2;
    ctx2.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    etcdserverpb::MemberAddRequest add;
    for (int i = 0; i < 1000; ++i) add.add_peerurls(std::string(1400, 'u'));
    etcdserverpb::MemberAddResponse added;
    s = stub->MemberAdd(&ctx2, add, &added);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(added.member().name(), "1000");
  }
}

// A native answer much larger than the output bound and the client's first window.
TEST(H2FrontTest, LargeNativeAnswers) {
  TestPort t(Native());
  t.api().on_Range = [](const server::RequestContext&, const etcdserverpb::RangeRequest& req,
                        server::Done<etcdserverpb::RangeResponse> done) {
    etcdserverpb::RangeResponse r;
    for (int i = 0; i < 4; ++i) {
      auto* kv = r.add_kvs();
      kv->set_key(req.key());
      kv->set_value(std::string(1 << 20, 'a' + i));
    }
    done(std::move(r));
  };
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  for (int round = 0; round < 5; ++round) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    etcdserverpb::RangeRequest req;
    req.set_key(std::string(1 << 20, 'k'));  // a large request too
    etcdserverpb::RangeResponse resp;
    grpc::Status s = stub->Range(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(resp.kvs_size(), 4);
    EXPECT_EQ(resp.kvs(3).value(), std::string(1 << 20, 'd'));
  }
  EXPECT_EQ(t.port().native_kv_calls(), 5u);
}

// A bidirectional stream through the relay, many messages, writes ahead of reads.
TEST(H2FrontTest, RelayedBidiStreamWithManyMessages) {
  TestPort t(Native());
  auto stub = etcdserverpb::Lease::NewStub(t.Channel());
  grpc::ClientContext ctx;
  auto stream = stub->LeaseKeepAlive(&ctx);
  constexpr int kMessages = 2000;
  std::thread writer([&] {
    for (int64_t id = 1; id <= kMessages; ++id) {
      etcdserverpb::LeaseKeepAliveRequest req;
      req.set_id(id);
      if (!stream->Write(req)) return;
    }
    stream->WritesDone();
  });
  int got = 0;
  etcdserverpb::LeaseKeepAliveResponse resp;
  while (got < kMessages && stream->Read(&resp)) {
    ++got;
    EXPECT_EQ(resp.id(), got);
  }
  writer.join();
  EXPECT_EQ(got, kMessages);
  EXPECT_FALSE(stream->Read(&resp));
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(t.api().Calls("LeaseRenew"), kMessages);
}

TEST(H2FrontTest, CancelledCallsLateAnswerIsDropped) {
  TestPort t(Native());
  server::Done<etcdserverpb::PutResponse> held;
  absl::Notification called;
  t.api().on_Put = [&](const server::RequestContext&, const etcdserverpb::PutRequest&,
                       server::Done<etcdserverpb::PutResponse> done) {
    held = std::move(done);
    called.Notify();
  };
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  grpc::ClientContext ctx;
  grpc::Status s;
  std::thread client([&] {
    etcdserverpb::PutRequest req;
    req.set_key("k");
    etcdserverpb::PutResponse resp;
    s = stub->Put(&ctx, req, &resp);
  });
  ASSERT_TRUE(called.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ctx.TryCancel();
  client.join();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::CANCELLED);
  held(etcdserverpb::PutResponse());  // the stream is gone: dropped
  t.api().on_Put = [](const server::RequestContext&, const etcdserverpb::PutRequest&,
                      server::Done<etcdserverpb::PutResponse> done) {
    done(etcdserverpb::PutResponse());
  };
  grpc::ClientContext ctx2;
  etcdserverpb::PutRequest req;
  etcdserverpb::PutResponse resp;
  EXPECT_TRUE(stub->Put(&ctx2, req, &resp).ok());
}

TEST(H2FrontTest, DeadlineAnswersDeadlineExceeded) {
  TestPort t(Native());
  server::Done<etcdserverpb::RangeResponse> held;
  absl::Notification called;
  t.api().on_Range = [&](const server::RequestContext&, const etcdserverpb::RangeRequest&,
                         server::Done<etcdserverpb::RangeResponse> done) {
    held = std::move(done);
    called.Notify();
  };
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  etcdserverpb::RangeRequest req;
  etcdserverpb::RangeResponse resp;
  grpc::Status s = stub->Range(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_TRUE(called.WaitForNotificationWithTimeout(absl::Seconds(5)));
  held(etcdserverpb::RangeResponse());
  EXPECT_EQ(t.port().native_kv_calls(), 1u);
}

// ---- A raw HTTP/2 client (nghttp2, blocking socket) for what gRPC clients never do ----

class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(
        cb, [](nghttp2_session*, const nghttp2_frame*, const uint8_t* n, size_t nl,
               const uint8_t* v, size_t vl, uint8_t, void* u) {
          static_cast<RawClient*>(u)->headers[std::string(reinterpret_cast<const char*>(n), nl)] =
              std::string(reinterpret_cast<const char*>(v), vl);
          return 0;
        });
    nghttp2_session_callbacks_set_on_stream_close_callback(
        cb, [](nghttp2_session*, int32_t, uint32_t, void* u) {
          static_cast<RawClient*>(u)->closed = true;
          return 0;
        });
    nghttp2_session_callbacks_set_on_frame_recv_callback(
        cb, [](nghttp2_session*, const nghttp2_frame* f, void* u) {
          if (f->hd.type == NGHTTP2_GOAWAY) {
            static_cast<RawClient*>(u)->goaway_code = static_cast<int>(f->goaway.error_code);
            static_cast<RawClient*>(u)->goaway_debug.assign(
                reinterpret_cast<const char*>(f->goaway.opaque_data), f->goaway.opaque_data_len);
          }
          return 0;
        });
    nghttp2_session_client_new(&session_, cb, this);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~RawClient() {
    nghttp2_session_del(session_);
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return connected_; }

  // A unary request with `body` (already framed) on path.
  void Request(const std::string& path, std::string body) {
    body_ = std::move(body);
    auto nv = [](const char* n, const std::string& v) {
      return nghttp2_nv{(uint8_t*)n, (uint8_t*)v.data(), strlen(n), v.size(), NGHTTP2_NV_FLAG_NONE};
    };
    const std::string post = "POST", scheme = "http", authority = "localhost",
                      ct = "application/grpc", te = "trailers";
    nghttp2_nv nva[] = {nv(":method", post), nv(":scheme", scheme),  nv(":authority", authority),
                        nv(":path", path),   nv("content-type", ct), nv("te", te)};
    nghttp2_data_provider prd;
    prd.source.ptr = this;
    prd.read_callback = [](nghttp2_session*, int32_t, uint8_t* buf, size_t len, uint32_t* flags,
                           nghttp2_data_source* src, void*) -> ssize_t {
      auto* self = static_cast<RawClient*>(src->ptr);
      const size_t n = std::min(len, self->body_.size() - self->off_);
      memcpy(buf, self->body_.data() + self->off_, n);
      self->off_ += n;
      if (self->off_ == self->body_.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
      return static_cast<ssize_t>(n);
    };
    nghttp2_submit_request(session_, nullptr, nva, 6, &prd, nullptr);
    Pump(false);
  }

  // Sends pending frames; with `until_closed`, reads until the stream closes (bounded).
  void Pump(bool until_closed) {
    for (int i = 0; i < 2000; ++i) {
      const uint8_t* data = nullptr;
      ssize_t n;
      while ((n = nghttp2_session_mem_send(session_, &data)) > 0) {
        ASSERT_EQ(send(fd_, data, static_cast<size_t>(n), MSG_NOSIGNAL), n);
      }
      if (!until_closed || closed) return;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 10) <= 0) continue;
      uint8_t buf[65536];
      const ssize_t r = recv(fd_, buf, sizeof buf, 0);
      if (r <= 0) return;
      nghttp2_session_mem_recv(session_, buf, static_cast<size_t>(r));
    }
  }

  void Ping() {
    nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr);
    Pump(false);
  }

  // Reads (answering nothing) until the server closes the connection; false if it did
  // not within `seconds`.
  bool WaitClosedWithoutReplying(int seconds) {
    for (int i = 0; i < seconds * 100; ++i) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 10) <= 0) continue;
      uint8_t buf[65536];
      const ssize_t r = recv(fd_, buf, sizeof buf, 0);
      if (r <= 0) return true;
    }
    return false;
  }

  // Reads and processes frames until the server closes the connection (bounded).
  bool ReadUntilClosed(int seconds) {
    for (int i = 0; i < seconds * 100; ++i) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 10) <= 0) continue;
      uint8_t buf[65536];
      const ssize_t r = recv(fd_, buf, sizeof buf, 0);
      if (r <= 0) return true;
      nghttp2_session_mem_recv(session_, buf, static_cast<size_t>(r));
    }
    return false;
  }

  void Disconnect() {
    close(fd_);
    fd_ = -1;
  }

  std::map<std::string, std::string> headers;
  bool closed = false;
  int goaway_code = -1;
  std::string goaway_debug;

 private:
  int fd_ = -1;
  bool connected_ = false;
  nghttp2_session* session_ = nullptr;
  std::string body_;
  size_t off_ = 0;
};

std::string Framed(const google::protobuf::Message& m, bool compressed = false) {
  std::string s;
  grpc_wire::AppendFrameHeader(&s, static_cast<uint32_t>(m.ByteSizeLong()));
  if (compressed) s[0] = 1;
  s += m.SerializeAsString();
  return s;
}

TEST(H2FrontTest, ClientDisconnectsWhileTheServerWorks) {
  TestPort t(Native());
  absl::Mutex mu;
  std::vector<server::Done<etcdserverpb::PutResponse>> held;
  t.api().on_Put = [&](const server::RequestContext&, const etcdserverpb::PutRequest&,
                       server::Done<etcdserverpb::PutResponse> done) {
    absl::MutexLock l(&mu);
    held.push_back(std::move(done));
  };
  {
    RawClient c(t.tcp_port());
    ASSERT_TRUE(c.connected());
    etcdserverpb::PutRequest req;
    req.set_key("k");
    c.Request("/etcdserverpb.KV/Put", Framed(req));
    absl::MutexLock l(&mu);
    auto one = [&] { return held.size() == 1; };
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&one), absl::Seconds(10)));
    c.Disconnect();
  }
  // The answer arrives after the connection is gone (give the worker time to notice).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::thread applier([&] {
    absl::MutexLock l(&mu);
    held[0](etcdserverpb::PutResponse());
  });
  applier.join();
  t.api().on_Put = [](const server::RequestContext&, const etcdserverpb::PutRequest&,
                      server::Done<etcdserverpb::PutResponse> done) {
    done(etcdserverpb::PutResponse());
  };
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  grpc::ClientContext ctx;
  etcdserverpb::PutRequest req;
  etcdserverpb::PutResponse resp;
  EXPECT_TRUE(stub->Put(&ctx, req, &resp).ok());
}

TEST(H2FrontTest, CompressedFlagWithoutEncodingIsRejected) {
  TestPort t(Native());
  RawClient c(t.tcp_port());
  ASSERT_TRUE(c.connected());
  etcdserverpb::RangeRequest req;
  req.set_key("k");
  c.Request("/etcdserverpb.KV/Range", Framed(req, /*compressed=*/true));
  c.Pump(true);
  ASSERT_TRUE(c.closed);
  EXPECT_EQ(c.headers[":status"], "200");
  EXPECT_EQ(c.headers["grpc-status"], "13");  // INTERNAL
  EXPECT_EQ(t.api().Calls("Range"), 0);
}

TEST(H2FrontTest, OversizedMessageIsRejectedFromItsPrefix) {
  auto o = Native();
  o.max_request_bytes = 1000;  // limit 1000 + 524288
  TestPort t(o);
  RawClient c(t.tcp_port());
  ASSERT_TRUE(c.connected());
  std::string body;
  grpc_wire::AppendFrameHeader(&body, 900000);
  body += std::string(1000, 'x');  // the rest never comes
  c.Request("/etcdserverpb.KV/Put", body);
  c.Pump(true);
  EXPECT_EQ(c.headers["grpc-status"], "8");  // RESOURCE_EXHAUSTED
  EXPECT_EQ(grpc_wire::PercentDecode(c.headers["grpc-message"]),
            "grpc: received message larger than max (900000 vs. 525288)");
  EXPECT_EQ(t.api().Calls("Put"), 0);
}

// gRPC's ping policy: pings closer than keepalive_min_time without data in between are
// strikes; the third gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings".
TEST(H2FrontTest, TooManyPingsGetEnhanceYourCalm) {
  TestPort t(Native());  // keepalive_min_time 5 s
  RawClient c(t.tcp_port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 4; ++i) c.Ping();
  ASSERT_TRUE(c.ReadUntilClosed(10));
  EXPECT_EQ(c.goaway_code, NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(c.goaway_debug, "too_many_pings");
}

// Server pings (--grpc-keepalive-interval) also on an idle connection; a client that
// does not acknowledge within --grpc-keepalive-timeout is disconnected.
TEST(H2FrontTest, KeepalivePingWithoutAckClosesTheConnection) {
  auto o = Native();
  o.keepalive_interval = std::chrono::milliseconds(100);
  o.keepalive_timeout = std::chrono::milliseconds(200);
  TestPort t(o);
  RawClient c(t.tcp_port());
  ASSERT_TRUE(c.connected());
  c.Pump(false);  // preface and SETTINGS, then silence
  EXPECT_TRUE(c.WaitClosedWithoutReplying(10));

  // A client that answers pings stays.
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  t.api().on_Range = [](const server::RequestContext&, const etcdserverpb::RangeRequest&,
                        server::Done<etcdserverpb::RangeResponse> done) {
    done(etcdserverpb::RangeResponse());
  };
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    etcdserverpb::RangeRequest req;
    etcdserverpb::RangeResponse resp;
    EXPECT_TRUE(stub->Range(&ctx, req, &resp).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace
}  // namespace etcd::api
