// The generic relay against in-process gRPC servers joined by socketpairs (no ports):
// unary calls, the upstream's error status, metadata, a bidi stream, and failover from
// an upstream that is gone.
#include "proxy/grpc_forwarder.h"

#include <grpcpp/create_channel_posix.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/server_posix.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

#include "etcdserverpb/rpc.grpc.pb.h"
#include "gtest/gtest.h"
#include "proxy/upstream_pool.h"

namespace etcd::proxy {
namespace {

// An upstream member: Range echoes the key (and the "token" metadata) back; Put fails
// as etcd does; Watch answers each create with "created" and one event.
class FakeKv final : public etcdserverpb::KV::Service {
 public:
  explicit FakeKv(int64_t member) : member_(member) {}
  grpc::Status Range(grpc::ServerContext* ctx, const etcdserverpb::RangeRequest* req,
                     etcdserverpb::RangeResponse* resp) override {
    resp->mutable_header()->set_member_id(member_);
    auto* kv = resp->add_kvs();
    kv->set_key(req->key());
    auto it = ctx->client_metadata().find("token");
    if (it != ctx->client_metadata().end())
      kv->set_value(std::string(it->second.data(), it->second.size()));
    return grpc::Status::OK;
  }
  grpc::Status Put(grpc::ServerContext*, const etcdserverpb::PutRequest*,
                   etcdserverpb::PutResponse*) override {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: test error");
  }

 private:
  int64_t member_;
};

class FakeWatch final : public etcdserverpb::Watch::Service {
 public:
  grpc::Status Watch(grpc::ServerContext*,
                     grpc::ServerReaderWriter<etcdserverpb::WatchResponse,
                                              etcdserverpb::WatchRequest>* stream) override {
    etcdserverpb::WatchRequest req;
    int64_t id = 0;
    while (stream->Read(&req)) {
      etcdserverpb::WatchResponse created;
      created.set_watch_id(++id);
      created.set_created(true);
      stream->Write(created);
      etcdserverpb::WatchResponse ev;
      ev.set_watch_id(id);
      ev.add_events()->mutable_kv()->set_key(req.create_request().key());
      stream->Write(ev);
    }
    return grpc::Status::OK;
  }
};

struct InProcessServer {
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<grpc::Channel> Connect() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    grpc::AddInsecureChannelFromFd(server.get(), fds[0]);
    return grpc::CreateInsecureChannelFromFd("in-process", fds[1]);
  }
};

InProcessServer Serve(const std::vector<grpc::Service*>& services,
                      grpc::CallbackGenericService* generic = nullptr) {
  grpc::ServerBuilder b;
  for (auto* s : services) b.RegisterService(s);
  if (generic != nullptr) b.RegisterCallbackGenericService(generic);
  InProcessServer s;
  s.server = b.BuildAndStart();
  return s;
}

class GrpcForwarderTest : public ::testing::Test {
 protected:
  // Upstreams: `dead` (its server already shut down) first when asked, then member 2.
  void Start(bool dead_first) {
    member_ = Serve({&kv_, &watch_});
    std::vector<Upstream> ups;
    if (dead_first) {
      dead_ = Serve({&dead_kv_});
      auto ch = dead_.Connect();
      dead_.server->Shutdown();
      ups.push_back({"http://dead:1", "dead:1", ch});
    }
    ups.push_back({"http://member:2", "member:2", member_.Connect()});
    pool_ = std::make_unique<UpstreamPool>(std::move(ups));
    forwarder_ = std::make_unique<GrpcForwarder>(pool_.get());
    proxy_ = Serve({}, forwarder_.get());
    channel_ = proxy_.Connect();
  }
  void TearDown() override {
    if (proxy_.server) proxy_.server->Shutdown();
    if (member_.server) member_.server->Shutdown();
  }

  FakeKv kv_{2};
  FakeKv dead_kv_{1};
  FakeWatch watch_;
  InProcessServer member_, dead_, proxy_;
  std::unique_ptr<UpstreamPool> pool_;
  std::unique_ptr<GrpcForwarder> forwarder_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(GrpcForwarderTest, UnaryCallCarriesMetadataBothWays) {
  Start(false);
  auto stub = etcdserverpb::KV::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.AddMetadata("token", "secret.1");
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  etcdserverpb::RangeRequest req;
  req.set_key("foo");
  etcdserverpb::RangeResponse resp;
  grpc::Status s = stub->Range(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.header().member_id(), 2u);
  ASSERT_EQ(resp.kvs_size(), 1);
  EXPECT_EQ(resp.kvs(0).key(), "foo");
  EXPECT_EQ(resp.kvs(0).value(), "secret.1");
}

TEST_F(GrpcForwarderTest, UpstreamErrorReachesTheClient) {
  Start(false);
  auto stub = etcdserverpb::KV::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  etcdserverpb::PutResponse resp;
  grpc::Status s = stub->Put(&ctx, etcdserverpb::PutRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "etcdserver: test error");
}

TEST_F(GrpcForwarderTest, UnimplementedUpstreamMethod) {
  Start(false);
  auto stub = etcdserverpb::Lease::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  etcdserverpb::LeaseGrantResponse resp;
  grpc::Status s = stub->LeaseGrant(&ctx, etcdserverpb::LeaseGrantRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(GrpcForwarderTest, BidiStreamRelaysEveryMessage) {
  Start(false);
  auto stub = etcdserverpb::Watch::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto stream = stub->Watch(&ctx);
  for (const char* key : {"a", "b"}) {
    etcdserverpb::WatchRequest req;
    req.mutable_create_request()->set_key(key);
    ASSERT_TRUE(stream->Write(req));
    etcdserverpb::WatchResponse created, ev;
    ASSERT_TRUE(stream->Read(&created));
    EXPECT_TRUE(created.created());
    ASSERT_TRUE(stream->Read(&ev));
    ASSERT_EQ(ev.events_size(), 1);
    EXPECT_EQ(ev.events(0).kv().key(), key);
  }
  stream->WritesDone();
  etcdserverpb::WatchResponse extra;
  EXPECT_FALSE(stream->Read(&extra));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(GrpcForwarderTest, FailsOverFromAGoneUpstream) {
  Start(true);
  auto stub = etcdserverpb::KV::NewStub(channel_);
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    etcdserverpb::RangeRequest req;
    req.set_key("k");
    etcdserverpb::RangeResponse resp;
    grpc::Status s = stub->Range(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.header().member_id(), 2u);
  }
  // The gone upstream is no longer the preferred one.
  EXPECT_EQ(pool_->Order().front().url, "http://member:2");
}

TEST(GrpcForwarder, NoUpstreamIsUnavailable) {
  UpstreamPool pool(std::vector<std::string>{});
  GrpcForwarder forwarder(&pool);
  InProcessServer proxy = Serve({}, &forwarder);
  auto stub = etcdserverpb::KV::NewStub(proxy.Connect());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  etcdserverpb::RangeResponse resp;
  grpc::Status s = stub->Range(&ctx, etcdserverpb::RangeRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  proxy.server->Shutdown();
}

}  // namespace
}  // namespace etcd::proxy
