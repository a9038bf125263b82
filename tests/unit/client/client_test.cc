#include "client/client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "absl/synchronization/notification.h"
#include "common/errors.h"

namespace etcd::client {
namespace {

using namespace etcdserverpb;  // NOLINT

// A fake etcd member on an in-process gRPC server (no ports): answers Put/Range,
// optionally fails the next N calls, checks the auth token when asked to.
class FakeMember final : public KV::Service, public Lease::Service, public Auth::Service {
 public:
  FakeMember() {
    grpc::ServerBuilder builder;
    builder.RegisterService(static_cast<KV::Service*>(this));
    builder.RegisterService(static_cast<Lease::Service*>(this));
    builder.RegisterService(static_cast<Auth::Service*>(this));
    // A loopback TCP port rather than InProcessChannel: gRPC 1.51's in-process transport
    // trips an internal refcount assertion when a callback-API call is retried from
    // inside the previous attempt's completion, which the client does by design.
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    server_ = builder.BuildAndStart();
  }
  ~FakeMember() override { server_->Shutdown(); }

  // Back to the state of a fresh member (the members are shared by every test).
  void Reset() {
    calls = 0;
    tokens_issued = 0;
    last_key.clear();
    require_token = false;
    valid_token = "tok1";
    fail_remaining_ = 0;
    failure_ = grpc::Status::OK;
    revision_ = 1;
  }

  std::shared_ptr<grpc::Channel> Channel() {
    // One channel per member for the whole process (see ClientTest::Shared).
    if (!channel_) {
      channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                     grpc::InsecureChannelCredentials());
    }
    return channel_;
  }
  void FailNext(int n, grpc::Status status) {
    failure_ = std::move(status);
    fail_remaining_ = n;
  }

  grpc::Status Put(grpc::ServerContext* ctx, const PutRequest* req, PutResponse* resp) override {
    ++calls;
    if (auto s = Check(ctx); !s.ok()) return s;
    last_key = req->key();
    resp->mutable_header()->set_revision(++revision_);
    return grpc::Status::OK;
  }
  grpc::Status Range(grpc::ServerContext* ctx, const RangeRequest* req,
                     RangeResponse* resp) override {
    ++calls;
    if (auto s = Check(ctx); !s.ok()) return s;
    resp->set_count(req->serializable() ? 1 : 2);
    return grpc::Status::OK;
  }
  grpc::Status LeaseKeepAlive(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<LeaseKeepAliveResponse, LeaseKeepAliveRequest>* stream) override {
    LeaseKeepAliveRequest req;
    while (stream->Read(&req)) {
      LeaseKeepAliveResponse resp;
      resp.set_id(req.id());
      resp.set_ttl(req.id() == 7 ? 10 : 0);
      stream->Write(resp);
    }
    return grpc::Status::OK;
  }
  grpc::Status Authenticate(grpc::ServerContext*, const AuthenticateRequest* req,
                            AuthenticateResponse* resp) override {
    if (req->name() == "noauth") {  // a cluster with auth disabled
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "etcdserver: authentication is not enabled");
    }
    if (req->name() != "root" || req->password() != "pw") {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "etcdserver: authentication failed, invalid user ID or password");
    }
    ++tokens_issued;
    resp->set_token("tok" + std::to_string(tokens_issued.load()));
    return grpc::Status::OK;
  }

  std::atomic<int> calls{0};
  std::atomic<int> tokens_issued{0};
  std::string last_key;
  std::atomic<bool> require_token{false};
  std::string valid_token = "tok1";

 private:
  grpc::Status Check(grpc::ServerContext* ctx) {
    if (fail_remaining_.load() > 0) {
      --fail_remaining_;
      return failure_;
    }
    if (require_token) {
      auto it = ctx->client_metadata().find("token");
      if (it == ctx->client_metadata().end() ||
          std::string(it->second.data(), it->second.size()) != valid_token) {
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "etcdserver: invalid auth token");
      }
    }
    return grpc::Status::OK;
  }

  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::Server> server_;
  std::atomic<int> fail_remaining_{0};
  grpc::Status failure_;
  std::atomic<int64_t> revision_{1};
};

const grpc::Status kRefused(grpc::StatusCode::UNAVAILABLE,
                            "failed to connect to all addresses; Connection refused");
const grpc::Status kTimedOut(grpc::StatusCode::UNAVAILABLE, "etcdserver: request timed out");

class ClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<Client> MakeClient(ClientOptions options = {}) {
    options.retry_backoff = std::chrono::milliseconds(0);
    auto c = Client::FromChannels({a_.Channel(), b_.Channel()}, options);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? std::move(*c) : nullptr;
  }
  // The fake members (and their channels) live for the whole test process and are reset
  // before each test: destroying a gRPC channel or server right after a callback-API
  // call completes trips a double free in gRPC 1.51's completion-queue cleanup.
  static FakeMember& Shared(int i) {
    static FakeMember* members = new FakeMember[2];
    return members[i];
  }
  void SetUp() override {
    a_.Reset();
    b_.Reset();
  }
  FakeMember& a_ = Shared(0);
  FakeMember& b_ = Shared(1);
};

TEST_F(ClientTest, RoundRobinOverEndpoints) {
  auto c = MakeClient();
  for (int i = 0; i < 10; ++i) {
    PutRequest req;
    req.set_key("k");
    ASSERT_TRUE(c->Put(req).ok());
  }
  EXPECT_EQ(a_.calls.load(), 5);
  EXPECT_EQ(b_.calls.load(), 5);
  EXPECT_EQ(c->endpoint_count(), 2u);
}

TEST_F(ClientTest, RetriesUnavailableOnTheNextEndpoint) {
  auto c = MakeClient();
  a_.FailNext(100, kRefused);
  b_.FailNext(0, kRefused);
  for (int i = 0; i < 4; ++i) {
    PutRequest req;
    req.set_key("k");
    auto r = c->Put(req);
    ASSERT_TRUE(r.ok()) << r.status();
  }
  EXPECT_EQ(b_.calls.load(), 4);
}

TEST_F(ClientTest, GivesUpAfterMaxAttempts) {
  auto c = MakeClient(ClientOptions{.max_attempts = 3});
  a_.FailNext(100, kRefused);
  b_.FailNext(100, kRefused);
  RangeRequest req;
  auto r = c->Range(req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(a_.calls.load() + b_.calls.load(), 3);
}

TEST_F(ClientTest, AmbiguousWriteFailureIsNotRetriedButReadIs) {
  auto c = MakeClient();
  a_.FailNext(1, kTimedOut);
  b_.FailNext(1, kTimedOut);
  PutRequest put;
  put.set_key("k");
  auto r = c->Put(put);
  EXPECT_EQ(r.status().message(), "etcdserver: request timed out");
  EXPECT_EQ(a_.calls.load() + b_.calls.load(), 1);
  // The other member still fails once; a read moves on past it.
  RangeRequest range;
  auto rr = c->Range(range);
  EXPECT_TRUE(rr.ok()) << rr.status();
}

TEST_F(ClientTest, OtherErrorsComeBackUnchanged) {
  auto c = MakeClient();
  const grpc::Status not_found(grpc::StatusCode::NOT_FOUND,
                               "etcdserver: requested lease not found");
  a_.FailNext(1, not_found);
  b_.FailNext(1, not_found);
  PutRequest put;
  put.set_key("k");
  auto r = c->Put(put);
  EXPECT_TRUE(errors::Is(r.status(), errors::Err::kLeaseNotFound));
  EXPECT_EQ(a_.calls.load() + b_.calls.load(), 1);
}

TEST_F(ClientTest, AsyncCallsAndRetries) {
  auto c = MakeClient();
  a_.FailNext(3, kRefused);
  constexpr int kCalls = 50;
  std::atomic<int> ok{0};
  std::atomic<int> finished{0};
  absl::Notification all_done;
  for (int i = 0; i < kCalls; ++i) {
    PutRequest req;
    req.set_key("k" + std::to_string(i));
    c->PutAsync(std::move(req), [&](absl::StatusOr<PutResponse> r) {
      if (r.ok() && r->header().revision() > 1) ++ok;
      if (++finished == kCalls) all_done.Notify();
    });
  }
  all_done.WaitForNotification();
  EXPECT_EQ(ok.load(), kCalls);
  EXPECT_EQ(a_.calls.load() + b_.calls.load(), kCalls + 3);
}

TEST_F(ClientTest, AsyncErrorIsDelivered) {
  auto c = MakeClient(ClientOptions{.max_attempts = 2});
  a_.FailNext(10, kRefused);
  b_.FailNext(10, kRefused);
  absl::Notification done;
  absl::Status got;
  RangeRequest req;
  c->RangeAsync(req, [&](absl::StatusOr<RangeResponse> r) {
    got = r.status();
    done.Notify();
  });
  done.WaitForNotification();
  EXPECT_EQ(got.code(), absl::StatusCode::kUnavailable);
}

TEST_F(ClientTest, AuthenticatesAndSendsToken) {
  a_.require_token = true;
  b_.require_token = true;
  b_.valid_token = "tok1";
  ClientOptions options;
  options.username = "root";
  options.password = "pw";
  auto c = MakeClient(options);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(a_.tokens_issued.load(), 1);
  for (int i = 0; i < 4; ++i) {
    PutRequest put;
    put.set_key("k");
    auto r = c->Put(put);
    EXPECT_TRUE(r.ok()) << r.status();
  }
  // The token expires: the client re-authenticates once and retries.
  a_.valid_token = "tok2";
  b_.valid_token = "tok2";
  RangeRequest range;
  auto rr = c->Range(range);
  EXPECT_TRUE(rr.ok()) << rr.status();
}

TEST_F(ClientTest, BadCredentialsFailConnect) {
  ClientOptions options;
  options.username = "root";
  options.password = "wrong";
  auto c = Client::FromChannels({a_.Channel()}, options);
  EXPECT_EQ(c.status().message(), "etcdserver: authentication failed, invalid user ID or password");
}

TEST_F(ClientTest, KeepAliveOnceAndStream) {
  auto c = MakeClient();
  auto once = c->LeaseKeepAliveOnce(7);
  ASSERT_TRUE(once.ok()) << once.status();
  EXPECT_EQ(once->ttl(), 10);
  auto gone = c->LeaseKeepAliveOnce(8);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->ttl(), 0);

  absl::Mutex mu;
  std::vector<int64_t> ids;
  auto stream = c->LeaseKeepAlive([&](const LeaseKeepAliveResponse& r) {
    absl::MutexLock lock(&mu);
    ids.push_back(r.id());
  });
  for (int64_t id = 1; id <= 20; ++id) {
    LeaseKeepAliveRequest req;
    req.set_id(id);
    ASSERT_TRUE(stream->Write(req));
  }
  {
    absl::MutexLock lock(&mu);
    auto all = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return ids.size() == 20; };
    mu.Await(absl::Condition(&all));
  }
  stream->CloseSend();
  EXPECT_TRUE(stream->Await().ok());
  EXPECT_FALSE(stream->Write(LeaseKeepAliveRequest()));
  for (int64_t i = 0; i < 20; ++i) EXPECT_EQ(ids[static_cast<size_t>(i)], i + 1);  // in order
}

TEST_F(ClientTest, StreamToUnimplementedServiceEnds) {
  auto c = MakeClient();  // the fake has no Watch service
  absl::Status done_status;
  auto stream = c->Watch(nullptr, [&](const absl::Status& s) { done_status = s; });
  WatchRequest req;
  req.mutable_create_request()->set_key("k");
  stream->Write(req);
  EXPECT_EQ(stream->Await().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(done_status.code(), absl::StatusCode::kUnimplemented);
}

TEST(ClientConnectTest, ValidatesOptions) {
  EXPECT_FALSE(Client::Connect(ClientOptions{.endpoints = {}}).ok());
  EXPECT_FALSE(Client::Connect(ClientOptions{.endpoints = {"ftp://x:1"}}).ok());
  // Connecting is lazy: no server is needed until a call (or a dial timeout) is made.
  EXPECT_TRUE(Client::Connect(ClientOptions{.endpoints = {"127.0.0.1:1", "http://h:2"}}).ok());
  auto tls = Client::Connect(
      ClientOptions{.endpoints = {"https://h:1"}, .tls = TlsFiles{"/nonexistent/ca.pem", "", ""}});
  EXPECT_EQ(tls.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ClientTest, RetryUntilDeadlineGivesContextDeadlineExceeded) {
  ClientOptions o;
  o.retry_until_deadline = true;
  o.request_timeout = std::chrono::milliseconds(300);
  auto c = MakeClient(o);
  a_.FailNext(1000000, kRefused);
  b_.FailNext(1000000, kRefused);
  RangeRequest req;
  req.set_key("k");
  auto r = c->Range(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(r.status().message(), "context deadline exceeded");
  EXPECT_GT(a_.calls.load() + b_.calls.load(), 4);  // kept retrying, not max_attempts
  // A single-member call retries the same way.
  auto st = c->Status(0);
  EXPECT_FALSE(st.ok());
}

TEST_F(ClientTest, RetryUntilDeadlineSucceedsOnceReachable) {
  ClientOptions o;
  o.retry_until_deadline = true;
  o.request_timeout = std::chrono::seconds(5);
  o.max_attempts = 1;  // ignored: the deadline bounds the retries
  auto c = MakeClient(o);
  a_.FailNext(5, kRefused);
  b_.FailNext(5, kRefused);
  PutRequest req;
  req.set_key("k");
  auto r = c->Put(req);
  ASSERT_TRUE(r.ok()) << r.status();
  // An ambiguous write failure still is not retried.
  a_.FailNext(1, kTimedOut);
  b_.FailNext(1, kTimedOut);
  EXPECT_EQ(c->Put(req).status().message(), "etcdserver: request timed out");
}

TEST_F(ClientTest, CredentialsForAClusterWithoutAuthAreIgnored) {
  ClientOptions o;
  o.username = "noauth";
  o.password = "x";
  auto c = MakeClient(o);
  ASSERT_NE(c, nullptr);
  RangeRequest req;
  req.set_key("k");
  EXPECT_TRUE(c->Range(req).ok());
}

}  // namespace
}  // namespace etcd::client
