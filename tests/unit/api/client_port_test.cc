#include "api/client_port.h"

#include <curl/curl.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include "../watch/fake_event_history.h"
#include "common/clock.h"
#include "etcdserverpb/rpc.grpc.pb.h"
#include "gtest/gtest.h"
#include "test_port.h"
#include "watch/watch_service.h"
#include "watch/watchable_store.h"

namespace etcd::api {
namespace {

using testing::FakeServerApi;
using testing::Http;
using testing::TestPort;

// gRPC and HTTP/1.1 on the same port, on every listen address.
TEST(ClientPortTest, BothProtocolsOnEveryAddress) {
  FakeServerApi api;
  ClientPortOptions o;
  o.addresses = {ListenAddress{.host = "127.0.0.1", .port = 0},
                 ListenAddress{.host = "localhost", .port = 0}};
  auto port = ClientPort::Start(&api, o);
  ASSERT_TRUE(port.ok()) << port.status();
  ASSERT_EQ((*port)->ports().size(), 2u);
  for (int p : (*port)->ports()) {
    const std::string hostport = "127.0.0.1:" + std::to_string(p);
    EXPECT_EQ(Http("GET", "http://" + hostport + "/health").status, 200);
    auto stub = etcdserverpb::KV::NewStub(
        grpc::CreateChannel(hostport, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    etcdserverpb::RangeResponse resp;
    EXPECT_TRUE(stub->Range(&ctx, etcdserverpb::RangeRequest(), &resp).ok());
  }
  (*port)->Shutdown();
  (*port)->Shutdown();  // idempotent
}

TEST(ClientPortTest, UnixSocket) {
  FakeServerApi api;
  const std::string path = ::testing::TempDir() + "client_port_test.sock";
  unlink(path.c_str());
  ClientPortOptions o;
  o.addresses = {ListenAddress{.kind = ListenAddress::Kind::kUnix, .unix_path = path}};
  auto port = ClientPort::Start(&api, o);
  ASSERT_TRUE(port.ok()) << port.status();
  auto stub = etcdserverpb::KV::NewStub(
      grpc::CreateChannel("unix:" + path, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  etcdserverpb::PutResponse resp;
  EXPECT_TRUE(stub->Put(&ctx, etcdserverpb::PutRequest(), &resp).ok());
  // HTTP/1.1 over the same socket.
  CURL* c = curl_easy_init();
  std::string body;
  curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, path.c_str());
  curl_easy_setopt(c, CURLOPT_URL, "http://localhost/health");
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(
      c, CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* u) -> size_t {
        static_cast<std::string*>(u)->append(d, s * n);
        return s * n;
      });
  EXPECT_EQ(curl_easy_perform(c), CURLE_OK);
  curl_easy_cleanup(c);
  EXPECT_EQ(body, R"({"health":"true"})");
  (*port)->Shutdown();
  unlink(path.c_str());
}

// The Watch service the composition root passes in is served on the same port.
TEST(ClientPortTest, ExtraServicesAreRegistered) {
  FakeServerApi api;
  mvcc::testing::FakeEventHistory history;
  FakeClock clock;
  mvcc::WatchableStore store(&history, &clock);
  store.Start();
  api.watchable = &store;
  WatchService watch(&api, WatchServiceOptions{.leader_check_interval = {}});
  ClientPortOptions o = TestPort::DefaultOptions();
  auto port = ClientPort::Start(&api, o, {&watch});
  ASSERT_TRUE(port.ok()) << port.status();
  {
    auto stub = etcdserverpb::Watch::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string((*port)->ports()[0]), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    auto stream = stub->Watch(&ctx);
    etcdserverpb::WatchRequest req;
    req.mutable_create_request()->set_key("foo");
    ASSERT_TRUE(stream->Write(req));
    etcdserverpb::WatchResponse resp;
    ASSERT_TRUE(stream->Read(&resp));
    EXPECT_TRUE(resp.created());
    EXPECT_EQ(resp.header().cluster_id(), api.cluster_id);
    ctx.TryCancel();
    stream->Finish();
  }
  (*port)->Shutdown();
  store.Stop();
}

TEST(ClientPortTest, BindErrorIsReturned) {
  TestPort first;
  FakeServerApi api;
  ClientPortOptions o;
  o.addresses = {ListenAddress{.host = "127.0.0.1", .port = first.tcp_port()}};
  auto port = ClientPort::Start(&api, o);
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.status().message(), "listen tcp 127.0.0.1:" + std::to_string(first.tcp_port()) +
                                         ": bind: address already in use");
}

TEST(ClientPortTest, GatewayCanBeDisabled) {
  auto o = TestPort::DefaultOptions();
  o.enable_grpc_gateway = false;
  TestPort t(o);
  auto r = Http("POST", t.url("/v3/kv/range"), R"({"key":"YQ=="})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 page not found\n");
}

}  // namespace
}  // namespace etcd::api
