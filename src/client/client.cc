#include "client/client.h"

#include <fstream>
#include <sstream>
#include <thread>

#include "client/status.h"

namespace etcd::client {

using namespace etcdserverpb;  // NOLINT: the generated message and stub names

namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(
    const Endpoint& ep, const std::optional<TlsFiles>& tls) {
  if (!ep.secure && !tls.has_value()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  if (tls.has_value()) {
    if (!tls->ca_file.empty()) {
      ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(tls->ca_file));
    }
    if (!tls->cert_file.empty()) {
      ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadFile(tls->cert_file));
    }
    if (!tls->key_file.empty()) {
      ASSIGN_OR_RETURN(ssl.pem_private_key, ReadFile(tls->key_file));
    }
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

// One async unary call with its retries. Shared by the attempt callbacks.
template <typename Req, typename Resp>
struct Client::AsyncCall {
  explicit AsyncCall(Client* c) : owner(c) { owner->CallStarted(); }
  ~AsyncCall() { owner->CallReleased(); }
  AsyncCall(const AsyncCall&) = delete;
  AsyncCall& operator=(const AsyncCall&) = delete;

  Client* owner;
  AsyncMethod<Req, Resp> method;
  Req req;
  Resp resp;
  bool mutating = false;
  Callback<Resp> done;
  int attempt = 0;
  size_t index = 0;
  std::unique_ptr<grpc::ClientContext> ctx;
  // Contexts of finished attempts. A retry starts from inside the previous attempt's
  // completion callback, where that attempt's context must not be destroyed yet (gRPC
  // still releases the call after the callback returns); they die with the AsyncCall.
  std::vector<std::unique_ptr<grpc::ClientContext>> retired;
};

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(ClientOptions options) {
  if (options.endpoints.empty()) return absl::InvalidArgumentError("no endpoints given");
  std::vector<Endpoint> endpoints;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (const auto& text : options.endpoints) {
    ASSIGN_OR_RETURN(Endpoint ep, ParseEndpoint(text));
    ASSIGN_OR_RETURN(auto creds, Credentials(ep, options.tls));
    grpc::ChannelArguments args;
    // Own connections per Client (N clients = N TCP connections, as clientv3).
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(options.max_receive_bytes);
    args.SetMaxSendMessageSize(options.max_send_bytes);
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    channels.push_back(grpc::CreateCustomChannel(ep.target, creds, args));
    endpoints.push_back(std::move(ep));
  }
  if (options.dial_timeout.count() > 0) {
    const auto deadline = std::chrono::system_clock::now() + options.dial_timeout;
    bool any = false;
    for (auto& ch : channels) ch->GetState(/*try_to_connect=*/true);
    for (auto& ch : channels) {
      if (ch->WaitForConnected(deadline)) {
        any = true;
        break;
      }
    }
    if (!any) return absl::DeadlineExceededError("context deadline exceeded");
  }
  std::unique_ptr<Client> client(
      new Client(std::move(endpoints), std::move(channels), std::move(options)));
  if (!client->options_.username.empty()) RETURN_IF_ERROR(client->Authenticate());
  return client;
}

absl::StatusOr<std::unique_ptr<Client>> Client::FromChannels(
    std::vector<std::shared_ptr<grpc::Channel>> channels, ClientOptions options) {
  if (channels.empty()) return absl::InvalidArgumentError("no channels given");
  std::vector<Endpoint> endpoints(channels.size(), Endpoint{"in-process", false});
  std::unique_ptr<Client> client(
      new Client(std::move(endpoints), std::move(channels), std::move(options)));
  if (!client->options_.username.empty()) RETURN_IF_ERROR(client->Authenticate());
  return client;
}

Client::Client(std::vector<Endpoint> endpoints,
               std::vector<std::shared_ptr<grpc::Channel>> channels, ClientOptions options)
    : endpoints_(std::move(endpoints)), options_(std::move(options)) {
  conns_.reserve(channels.size());
  for (auto& ch : channels) {
    Conn c;
    c.kv = KV::NewStub(ch);
    c.lease = Lease::NewStub(ch);
    c.watch = etcdserverpb::Watch::NewStub(ch);
    c.maintenance = Maintenance::NewStub(ch);
    c.cluster = Cluster::NewStub(ch);
    c.auth = Auth::NewStub(ch);
    c.channel = std::move(ch);
    conns_.push_back(std::move(c));
  }
}

Client::~Client() {
  absl::MutexLock lock(&inflight_mu_);
  inflight_mu_.Await(absl::Condition(
      +[](int* n) { return *n == 0; }, &inflight_));
}

void Client::CallStarted() {
  absl::MutexLock lock(&inflight_mu_);
  ++inflight_;
}

void Client::CallReleased() {
  absl::MutexLock lock(&inflight_mu_);
  --inflight_;
}

int Client::MaxAttempts() const {
  if (options_.max_attempts > 0) return options_.max_attempts;
  return std::max<int>(2, 2 * static_cast<int>(conns_.size()));
}

void Client::PrepareContext(grpc::ClientContext* ctx, bool with_deadline) const {
  if (with_deadline && options_.request_timeout.count() > 0) {
    ctx->set_deadline(std::chrono::system_clock::now() + options_.request_timeout);
  }
  absl::MutexLock lock(&token_mu_);
  if (!token_.empty()) ctx->AddMetadata("token", token_);
}

absl::Status Client::Authenticate() {
  AuthenticateRequest req;
  req.set_name(options_.username);
  req.set_password(options_.password);
  absl::Status last;
  for (size_t i = 0; i < conns_.size(); ++i) {
    grpc::ClientContext ctx;
    if (options_.request_timeout.count() > 0) {
      ctx.set_deadline(std::chrono::system_clock::now() + options_.request_timeout);
    }
    AuthenticateResponse resp;
    last = FromGrpcStatus(conns_[i].auth->Authenticate(&ctx, req, &resp));
    if (last.ok()) {
      absl::MutexLock lock(&token_mu_);
      token_ = resp.token();
      return absl::OkStatus();
    }
    if (!IsRetriable(last, false)) return last;
  }
  return last;
}

template <typename Req, typename Resp>
absl::StatusOr<Resp> Client::CallOn(size_t index, SyncMethod<Req, Resp> method, const Req& req) {
  bool reauthenticated = false;
  for (;;) {
    grpc::ClientContext ctx;
    PrepareContext(&ctx, true);
    Resp resp;
    absl::Status s = FromGrpcStatus(method(conns_[index], &ctx, req, &resp));
    if (s.ok()) return resp;
    if (!reauthenticated && !options_.username.empty() &&
        s.code() == absl::StatusCode::kUnauthenticated &&
        s.message() == "etcdserver: invalid auth token") {
      reauthenticated = true;
      if (Authenticate().ok()) continue;
    }
    return s;
  }
}

template <typename Req, typename Resp>
absl::StatusOr<Resp> Client::CallSync(SyncMethod<Req, Resp> method, const Req& req,
                                      bool mutating) {
  const int attempts = MaxAttempts();
  size_t index = NextIndex();
  absl::Status last;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    auto result = CallOn(index, method, req);
    if (result.ok()) return result;
    last = result.status();
    if (!IsRetriable(last, mutating)) return last;
    index = (index + 1) % conns_.size();
    // Back off once every endpoint has been tried.
    if ((attempt + 1) % conns_.size() == 0) std::this_thread::sleep_for(options_.retry_backoff);
  }
  return last;
}

template <typename Req, typename Resp>
void Client::CallAsync(AsyncMethod<Req, Resp> method, Req req, bool mutating,
                       Callback<Resp> done) {
  auto call = std::make_shared<AsyncCall<Req, Resp>>(this);
  call->method = method;
  call->req = std::move(req);
  call->mutating = mutating;
  call->done = std::move(done);
  call->index = NextIndex();
  StartAttempt(std::move(call));
}

template <typename Req, typename Resp>
void Client::StartAttempt(std::shared_ptr<AsyncCall<Req, Resp>> call) {
  if (call->ctx) call->retired.push_back(std::move(call->ctx));
  call->ctx = std::make_unique<grpc::ClientContext>();
  PrepareContext(call->ctx.get(), true);
  call->resp.Clear();
  AsyncCall<Req, Resp>* raw = call.get();
  raw->method(conns_[raw->index], raw->ctx.get(), &raw->req, &raw->resp,
              [this, call = std::move(call)](grpc::Status status) mutable {
                absl::Status s = FromGrpcStatus(status);
                if (s.ok()) {
                  call->done(std::move(call->resp));
                  return;
                }
                ++call->attempt;
                if (call->attempt >= MaxAttempts() || !IsRetriable(s, call->mutating)) {
                  call->done(std::move(s));
                  return;
                }
                // The next endpoint at once (no backoff: a callback must not block).
                call->index = (call->index + 1) % conns_.size();
                StartAttempt(std::move(call));
              });
}

// --- KV ---

absl::StatusOr<RangeResponse> Client::Range(const RangeRequest& req) {
  return CallSync<RangeRequest, RangeResponse>(
      [](Conn& c, grpc::ClientContext* ctx, const RangeRequest& r, RangeResponse* out) {
        return c.kv->Range(ctx, r, out);
      },
      req, false);
}

absl::StatusOr<PutResponse> Client::Put(const PutRequest& req) {
  return CallSync<PutRequest, PutResponse>(
      [](Conn& c, grpc::ClientContext* ctx, const PutRequest& r, PutResponse* out) {
        return c.kv->Put(ctx, r, out);
      },
      req, true);
}

absl::StatusOr<DeleteRangeResponse> Client::DeleteRange(const DeleteRangeRequest& req) {
  return CallSync<DeleteRangeRequest, DeleteRangeResponse>(
      [](Conn& c, grpc::ClientContext* ctx, const DeleteRangeRequest& r,
         DeleteRangeResponse* out) { return c.kv->DeleteRange(ctx, r, out); },
      req, true);
}

absl::StatusOr<TxnResponse> Client::Txn(const TxnRequest& req) {
  return CallSync<TxnRequest, TxnResponse>(
      [](Conn& c, grpc::ClientContext* ctx, const TxnRequest& r, TxnResponse* out) {
        return c.kv->Txn(ctx, r, out);
      },
      req, true);
}

absl::StatusOr<CompactionResponse> Client::Compact(const CompactionRequest& req) {
  return CallSync<CompactionRequest, CompactionResponse>(
      [](Conn& c, grpc::ClientContext* ctx, const CompactionRequest& r,
         CompactionResponse* out) { return c.kv->Compact(ctx, r, out); },
      req, true);
}

void Client::RangeAsync(RangeRequest req, Callback<RangeResponse> done) {
  CallAsync<RangeRequest, RangeResponse>(
      [](Conn& c, grpc::ClientContext* ctx, const RangeRequest* r, RangeResponse* out,
         std::function<void(grpc::Status)> cb) { c.kv->async()->Range(ctx, r, out, std::move(cb)); },
      std::move(req), false, std::move(done));
}

void Client::PutAsync(PutRequest req, Callback<PutResponse> done) {
  CallAsync<PutRequest, PutResponse>(
      [](Conn& c, grpc::ClientContext* ctx, const PutRequest* r, PutResponse* out,
         std::function<void(grpc::Status)> cb) { c.kv->async()->Put(ctx, r, out, std::move(cb)); },
      std::move(req), true, std::move(done));
}

void Client::TxnAsync(TxnRequest req, Callback<TxnResponse> done) {
  CallAsync<TxnRequest, TxnResponse>(
      [](Conn& c, grpc::ClientContext* ctx, const TxnRequest* r, TxnResponse* out,
         std::function<void(grpc::Status)> cb) { c.kv->async()->Txn(ctx, r, out, std::move(cb)); },
      std::move(req), true, std::move(done));
}

// --- Lease ---

absl::StatusOr<LeaseGrantResponse> Client::LeaseGrant(int64_t ttl, int64_t id) {
  LeaseGrantRequest req;
  req.set_ttl(ttl);
  req.set_id(id);
  return CallSync<LeaseGrantRequest, LeaseGrantResponse>(
      [](Conn& c, grpc::ClientContext* ctx, const LeaseGrantRequest& r, LeaseGrantResponse* out) {
        return c.lease->LeaseGrant(ctx, r, out);
      },
      req, true);
}

absl::StatusOr<LeaseRevokeResponse> Client::LeaseRevoke(int64_t id) {
  LeaseRevokeRequest req;
  req.set_id(id);
  return CallSync<LeaseRevokeRequest, LeaseRevokeResponse>(
      [](Conn& c, grpc::ClientContext* ctx, const LeaseRevokeRequest& r,
         LeaseRevokeResponse* out) { return c.lease->LeaseRevoke(ctx, r, out); },
      req, true);
}

absl::StatusOr<LeaseTimeToLiveResponse> Client::LeaseTimeToLive(int64_t id, bool keys) {
  LeaseTimeToLiveRequest req;
  req.set_id(id);
  req.set_keys(keys);
  return CallSync<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse>(
      [](Conn& c, grpc::ClientContext* ctx, const LeaseTimeToLiveRequest& r,
         LeaseTimeToLiveResponse* out) { return c.lease->LeaseTimeToLive(ctx, r, out); },
      req, false);
}

absl::StatusOr<LeaseLeasesResponse> Client::LeaseLeases() {
  return CallSync<LeaseLeasesRequest, LeaseLeasesResponse>(
      [](Conn& c, grpc::ClientContext* ctx, const LeaseLeasesRequest& r,
         LeaseLeasesResponse* out) { return c.lease->LeaseLeases(ctx, r, out); },
      LeaseLeasesRequest(), false);
}

absl::StatusOr<LeaseKeepAliveResponse> Client::LeaseKeepAliveOnce(int64_t id) {
  const int attempts = MaxAttempts();
  size_t index = NextIndex();
  absl::Status last;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    grpc::ClientContext ctx;
    PrepareContext(&ctx, true);
    auto stream = conns_[index].lease->LeaseKeepAlive(&ctx);
    LeaseKeepAliveRequest req;
    req.set_id(id);
    LeaseKeepAliveResponse resp;
    const bool sent = stream->Write(req);
    const bool got = sent && stream->Read(&resp);
    stream->WritesDone();
    if (got) {
      ctx.TryCancel();
      (void)stream->Finish();
      return resp;
    }
    last = FromGrpcStatus(stream->Finish());
    if (last.ok()) last = absl::UnavailableError("keep-alive stream ended without a response");
    if (!IsRetriable(last, false)) return last;
    index = (index + 1) % conns_.size();
  }
  return last;
}

// --- Maintenance / Cluster ---

absl::StatusOr<StatusResponse> Client::Status(size_t endpoint_index) {
  if (endpoint_index >= conns_.size()) return absl::InvalidArgumentError("no such endpoint");
  return CallOn<StatusRequest, StatusResponse>(
      endpoint_index,
      [](Conn& c, grpc::ClientContext* ctx, const StatusRequest& r, StatusResponse* out) {
        return c.maintenance->Status(ctx, r, out);
      },
      StatusRequest());
}

absl::StatusOr<HashKVResponse> Client::HashKV(size_t endpoint_index, int64_t revision) {
  if (endpoint_index >= conns_.size()) return absl::InvalidArgumentError("no such endpoint");
  HashKVRequest req;
  req.set_revision(revision);
  return CallOn<HashKVRequest, HashKVResponse>(
      endpoint_index,
      [](Conn& c, grpc::ClientContext* ctx, const HashKVRequest& r, HashKVResponse* out) {
        return c.maintenance->HashKV(ctx, r, out);
      },
      req);
}

absl::StatusOr<MemberListResponse> Client::MemberList() {
  return CallSync<MemberListRequest, MemberListResponse>(
      [](Conn& c, grpc::ClientContext* ctx, const MemberListRequest& r, MemberListResponse* out) {
        return c.cluster->MemberList(ctx, r, out);
      },
      MemberListRequest(), false);
}

// --- Streams ---

std::unique_ptr<WatchStream> Client::Watch(WatchStream::MessageFn on_message,
                                           WatchStream::DoneFn on_done) {
  auto stream = std::make_unique<WatchStream>(std::move(on_message), std::move(on_done));
  PrepareContext(stream->context(), false);
  Conn& c = conns_[NextIndex()];
  stream->Start([&c](grpc::ClientContext* ctx,
                     grpc::ClientBidiReactor<WatchRequest, WatchResponse>* reactor) {
    c.watch->async()->Watch(ctx, reactor);
  });
  return stream;
}

std::unique_ptr<KeepAliveStream> Client::LeaseKeepAlive(KeepAliveStream::MessageFn on_message,
                                                        KeepAliveStream::DoneFn on_done) {
  auto stream = std::make_unique<KeepAliveStream>(std::move(on_message), std::move(on_done));
  PrepareContext(stream->context(), false);
  Conn& c = conns_[NextIndex()];
  stream->Start(
      [&c](grpc::ClientContext* ctx,
           grpc::ClientBidiReactor<LeaseKeepAliveRequest, LeaseKeepAliveResponse>* reactor) {
        c.lease->async()->LeaseKeepAlive(ctx, reactor);
      });
  return stream;
}

}  // namespace etcd::client
