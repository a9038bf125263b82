#include "client/client.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

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
  if (tls.has_value() && tls->insecure_skip_verify) {
    // No chain or name check: the TLS credentials API with a no-op verifier.
    std::string roots, cert, key;
    if (!tls->ca_file.empty()) {
      ASSIGN_OR_RETURN(roots, ReadFile(tls->ca_file));
    }
    if (!tls->cert_file.empty()) {
      ASSIGN_OR_RETURN(cert, ReadFile(tls->cert_file));
    }
    if (!tls->key_file.empty()) {
      ASSIGN_OR_RETURN(key, ReadFile(tls->key_file));
    }
    grpc::experimental::TlsChannelCredentialsOptions opts;
    std::vector<grpc::experimental::IdentityKeyCertPair> pairs;
    if (!cert.empty() && !key.empty()) pairs.push_back({key, cert});
    if (!roots.empty() || !pairs.empty()) {
      opts.set_certificate_provider(
          std::make_shared<grpc::experimental::StaticDataCertificateProvider>(roots, pairs));
      if (!roots.empty()) opts.watch_root_certs();
      if (!pairs.empty()) opts.watch_identity_key_cert_pairs();
    }
    opts.set_verify_server_certs(false);
    opts.set_check_call_host(false);
    opts.set_certificate_verifier(std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
    return grpc::experimental::TlsCredentials(opts);
  }
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
    if (options.keepalive_time.count() > 0) {
      args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(options.keepalive_time.count()));
    }
    if (options.keepalive_timeout.count() > 0) {
      args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                  static_cast<int>(options.keepalive_timeout.count()));
    }
    if (options.tls.has_value() && !options.tls->server_name.empty()) {
      args.SetString(GRPC_SSL_TARGET_NAME_OVERRIDE_ARG, options.tls->server_name);
    }
    for (const auto& [name, value] : options.channel_int_args) args.SetInt(name, value);
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
  AddToken(ctx);
}

void Client::AddToken(grpc::ClientContext* ctx) const {
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
    // clientv3 ignores this one: credentials given to a cluster without auth.
    if (!last.ok() && last.message() == "etcdserver: authentication is not enabled") {
      return absl::OkStatus();
    }
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
  const auto deadline = CallDeadline();
  if (!options_.retry_until_deadline || !deadline.has_value()) {
    return CallOnUntil(index, method, req, deadline);
  }
  // One member only: retry while it cannot be reached (the request was never sent).
  for (;;) {
    auto result = CallOnUntil(index, method, req, deadline);
    if (result.ok() || !IsRetriable(result.status(), /*mutating=*/true)) return result;
    if (std::chrono::system_clock::now() + options_.retry_backoff >= *deadline) {
      return absl::DeadlineExceededError("context deadline exceeded");
    }
    std::this_thread::sleep_for(options_.retry_backoff);
  }
}

std::optional<std::chrono::system_clock::time_point> Client::CallDeadline() const {
  if (options_.request_timeout.count() <= 0) return std::nullopt;
  return std::chrono::system_clock::now() + options_.request_timeout;
}

template <typename Req, typename Resp>
absl::StatusOr<Resp> Client::CallOnUntil(
    size_t index, SyncMethod<Req, Resp> method, const Req& req,
    std::optional<std::chrono::system_clock::time_point> deadline) {
  bool reauthenticated = false;
  for (;;) {
    grpc::ClientContext ctx;
    if (deadline.has_value()) ctx.set_deadline(*deadline);
    AddToken(&ctx);
    Resp resp;
    absl::Status s = FromGrpcStatus(method(conns_[index], &ctx, req, &resp));
    if (s.ok()) return resp;
    if (options_.retry_until_deadline && s.code() == absl::StatusCode::kDeadlineExceeded &&
        deadline.has_value() && std::chrono::system_clock::now() >= *deadline) {
      return absl::DeadlineExceededError("context deadline exceeded");
    }
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
absl::StatusOr<Resp> Client::CallSync(SyncMethod<Req, Resp> method, const Req& req, bool mutating) {
  const auto deadline = CallDeadline();
  if (options_.retry_until_deadline && deadline.has_value()) {
    size_t index = NextIndex();
    for (size_t attempt = 1;; ++attempt) {
      auto result = CallOnUntil(index, method, req, deadline);
      if (result.ok() || !IsRetriable(result.status(), mutating)) return result;
      index = (index + 1) % conns_.size();
      if (attempt % conns_.size() == 0) {
        const auto now = std::chrono::system_clock::now();
        if (now + options_.retry_backoff >= *deadline) {
          return absl::DeadlineExceededError("context deadline exceeded");
        }
        std::this_thread::sleep_for(options_.retry_backoff);
      }
    }
  }
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
void Client::CallAsync(AsyncMethod<Req, Resp> method, Req req, bool mutating, Callback<Resp> done) {
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
      [](Conn& c, grpc::ClientContext* ctx, const DeleteRangeRequest& r, DeleteRangeResponse* out) {
        return c.kv->DeleteRange(ctx, r, out);
      },
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
      [](Conn& c, grpc::ClientContext* ctx, const CompactionRequest& r, CompactionResponse* out) {
        return c.kv->Compact(ctx, r, out);
      },
      req, true);
}

void Client::RangeAsync(RangeRequest req, Callback<RangeResponse> done) {
  CallAsync<RangeRequest, RangeResponse>(
      [](Conn& c, grpc::ClientContext* ctx, const RangeRequest* r, RangeResponse* out,
         std::function<void(grpc::Status)> cb) {
        c.kv->async()->Range(ctx, r, out, std::move(cb));
      },
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
      [](Conn& c, grpc::ClientContext* ctx, const LeaseRevokeRequest& r, LeaseRevokeResponse* out) {
        return c.lease->LeaseRevoke(ctx, r, out);
      },
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
      [](Conn& c, grpc::ClientContext* ctx, const LeaseLeasesRequest& r, LeaseLeasesResponse* out) {
        return c.lease->LeaseLeases(ctx, r, out);
      },
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

// --- Cluster / Maintenance / Auth: plain unary calls ---

// Defines Client::NAME(args) sending REQ built by BUILD on stub STUB, method METHOD.
#define ETCD_CLIENT_UNARY(NAME, PARAMS, STUB, METHOD, REQ, RESP, MUTATING, BUILD)     \
  absl::StatusOr<RESP> Client::NAME PARAMS {                                          \
    REQ req;                                                                          \
    BUILD;                                                                            \
    return CallSync<REQ, RESP>([](Conn& c, grpc::ClientContext* ctx, const REQ& r,    \
                                  RESP* out) { return c.STUB->METHOD(ctx, r, out); }, \
                               req, MUTATING);                                        \
  }

ETCD_CLIENT_UNARY(MemberAdd, (const MemberAddRequest& in), cluster, MemberAdd, MemberAddRequest,
                  MemberAddResponse, true, req = in)
ETCD_CLIENT_UNARY(MemberRemove, (uint64_t id), cluster, MemberRemove, MemberRemoveRequest,
                  MemberRemoveResponse, true, req.set_id(id))
ETCD_CLIENT_UNARY(MemberUpdate, (const MemberUpdateRequest& in), cluster, MemberUpdate,
                  MemberUpdateRequest, MemberUpdateResponse, true, req = in)
ETCD_CLIENT_UNARY(MemberPromote, (uint64_t id), cluster, MemberPromote, MemberPromoteRequest,
                  MemberPromoteResponse, true, req.set_id(id))
ETCD_CLIENT_UNARY(Alarm, (const AlarmRequest& in), maintenance, Alarm, AlarmRequest, AlarmResponse,
                  in.action() != AlarmRequest::GET, req = in)
ETCD_CLIENT_UNARY(AuthEnable, (), auth, AuthEnable, AuthEnableRequest, AuthEnableResponse, true,
                  (void)req)
ETCD_CLIENT_UNARY(AuthDisable, (), auth, AuthDisable, AuthDisableRequest, AuthDisableResponse, true,
                  (void)req)
ETCD_CLIENT_UNARY(AuthStatus, (), auth, AuthStatus, AuthStatusRequest, AuthStatusResponse, false,
                  (void)req)
ETCD_CLIENT_UNARY(UserAdd, (const AuthUserAddRequest& in), auth, UserAdd, AuthUserAddRequest,
                  AuthUserAddResponse, true, req = in)
ETCD_CLIENT_UNARY(UserGet, (const std::string& name), auth, UserGet, AuthUserGetRequest,
                  AuthUserGetResponse, false, req.set_name(name))
ETCD_CLIENT_UNARY(UserList, (), auth, UserList, AuthUserListRequest, AuthUserListResponse, false,
                  (void)req)
ETCD_CLIENT_UNARY(UserDelete, (const std::string& name), auth, UserDelete, AuthUserDeleteRequest,
                  AuthUserDeleteResponse, true, req.set_name(name))
ETCD_CLIENT_UNARY(UserChangePassword, (const std::string& name, const std::string& password), auth,
                  UserChangePassword, AuthUserChangePasswordRequest, AuthUserChangePasswordResponse,
                  true, (req.set_name(name), req.set_password(password)))
ETCD_CLIENT_UNARY(UserGrantRole, (const std::string& user, const std::string& role), auth,
                  UserGrantRole, AuthUserGrantRoleRequest, AuthUserGrantRoleResponse, true,
                  (req.set_user(user), req.set_role(role)))
ETCD_CLIENT_UNARY(UserRevokeRole, (const std::string& user, const std::string& role), auth,
                  UserRevokeRole, AuthUserRevokeRoleRequest, AuthUserRevokeRoleResponse, true,
                  (req.set_name(user), req.set_role(role)))
ETCD_CLIENT_UNARY(RoleAdd, (const std::string& name), auth, RoleAdd, AuthRoleAddRequest,
                  AuthRoleAddResponse, true, req.set_name(name))
ETCD_CLIENT_UNARY(RoleGet, (const std::string& name), auth, RoleGet, AuthRoleGetRequest,
                  AuthRoleGetResponse, false, req.set_role(name))
ETCD_CLIENT_UNARY(RoleList, (), auth, RoleList, AuthRoleListRequest, AuthRoleListResponse, false,
                  (void)req)
ETCD_CLIENT_UNARY(RoleDelete, (const std::string& name), auth, RoleDelete, AuthRoleDeleteRequest,
                  AuthRoleDeleteResponse, true, req.set_role(name))
ETCD_CLIENT_UNARY(RoleGrantPermission, (const AuthRoleGrantPermissionRequest& in), auth,
                  RoleGrantPermission, AuthRoleGrantPermissionRequest,
                  AuthRoleGrantPermissionResponse, true, req = in)
ETCD_CLIENT_UNARY(RoleRevokePermission, (const AuthRoleRevokePermissionRequest& in), auth,
                  RoleRevokePermission, AuthRoleRevokePermissionRequest,
                  AuthRoleRevokePermissionResponse, true, req = in)

#undef ETCD_CLIENT_UNARY

absl::StatusOr<DefragmentResponse> Client::Defragment(size_t endpoint_index) {
  if (endpoint_index >= conns_.size()) return absl::InvalidArgumentError("no such endpoint");
  return CallOn<DefragmentRequest, DefragmentResponse>(
      endpoint_index,
      [](Conn& c, grpc::ClientContext* ctx, const DefragmentRequest& r, DefragmentResponse* out) {
        return c.maintenance->Defragment(ctx, r, out);
      },
      DefragmentRequest());
}

absl::StatusOr<MoveLeaderResponse> Client::MoveLeader(size_t endpoint_index, uint64_t target_id) {
  if (endpoint_index >= conns_.size()) return absl::InvalidArgumentError("no such endpoint");
  MoveLeaderRequest req;
  req.set_targetid(target_id);
  return CallOn<MoveLeaderRequest, MoveLeaderResponse>(
      endpoint_index,
      [](Conn& c, grpc::ClientContext* ctx, const MoveLeaderRequest& r, MoveLeaderResponse* out) {
        return c.maintenance->MoveLeader(ctx, r, out);
      },
      req);
}

absl::Status Client::Snapshot(size_t endpoint_index,
                              const std::function<bool(const SnapshotResponse&)>& on_chunk,
                              std::chrono::milliseconds timeout) {
  if (endpoint_index >= conns_.size()) return absl::InvalidArgumentError("no such endpoint");
  grpc::ClientContext ctx;
  if (timeout.count() > 0) ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  AddToken(&ctx);
  auto reader = conns_[endpoint_index].maintenance->Snapshot(&ctx, SnapshotRequest());
  SnapshotResponse resp;
  while (reader->Read(&resp)) {
    if (!on_chunk(resp)) {
      ctx.TryCancel();
      while (reader->Read(&resp)) {
      }
      (void)reader->Finish();
      return absl::CancelledError("snapshot stopped by the caller");
    }
  }
  absl::Status s = FromGrpcStatus(reader->Finish());
  if (s.code() == absl::StatusCode::kDeadlineExceeded && options_.retry_until_deadline) {
    return absl::DeadlineExceededError("context deadline exceeded");
  }
  return s;
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
