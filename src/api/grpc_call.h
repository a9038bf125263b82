// Glue between gRPC's callback API and server::ServerApi: request metadata into a
// RequestContext, absl::Status into grpc::Status (same code, same message), and a
// unary reactor that finishes exactly once, when the server answers or when the call is
// cancelled (client gone, deadline, server shutdown), whichever comes first.
//
// Thread safety: UnaryCall's done callback and OnCancel may race on different threads;
// an atomic flag lets exactly one of them touch the call. Nothing blocks.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/functional/function_ref.h"
#include "common/status.h"
#include "server/server_api.h"

namespace etcd::api {

// A request header (gRPC metadata) by lower-case name: its first value, or nullopt.
using HeaderLookup = absl::FunctionRef<std::optional<std::string_view>(std::string_view)>;

// "token" (or "authorization") and "hasleader" metadata, as etcd reads them, plus the
// verified client certificate's CN ("" without one). Shared by the gRPC services and
// the h2 front door (h2_front.h), so both build the same context.
server::RequestContext ContextFromHeaders(HeaderLookup header, std::string cert_common_name);

// ContextFromHeaders over a gRPC call's metadata; the CN from tls_peers by its peer.
server::RequestContext ContextFromMetadata(const grpc::ServerContextBase& ctx);

inline grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

// One unary call waiting for the server. Created by StartUnary; deletes itself when
// gRPC is done with it. The shared State outlives it for a late server answer.
template <typename Resp>
class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  explicit UnaryCall(Resp* response) : state_(std::make_shared<State>()) {
    state_->call = this;
    state_->response = response;
  }

  server::Done<Resp> MakeDone() {
    return [state = state_](absl::StatusOr<Resp> result) {
      if (state->finished.exchange(true)) return;  // cancelled first: drop the answer
      // The call is alive: gRPC deletes it only after Finish.
      if (result.ok()) {
        *state->response = std::move(*result);
        state->call->Finish(grpc::Status::OK);
      } else {
        state->call->Finish(ToGrpcStatus(result.status()));
      }
    };
  }

  void OnCancel() override {
    if (state_->finished.exchange(true)) return;
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "context canceled"));
  }
  void OnDone() override { delete this; }

 private:
  struct State {
    std::atomic<bool> finished{false};
    UnaryCall* call = nullptr;
    Resp* response = nullptr;
  };
  std::shared_ptr<State> state_;
};

// A call answered at once without the server (fixed errors, empty answers).
inline grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* ctx,
                                           const absl::Status& s) {
  grpc::ServerUnaryReactor* r = ctx->DefaultReactor();
  r->Finish(ToGrpcStatus(s));
  return r;
}

// Go gRPC's receive limit with Go's text. gRPC C++ is configured with a larger limit
// (its own message reads "Received message larger than max"), so requests between the
// two limits get etcd's exact error here. 0: no limit.
absl::Status CheckRequestSize(const google::protobuf::Message& request, size_t max_bytes);

// Starts `method` on `api` for one unary call and returns its reactor.
template <typename Req, typename Resp>
grpc::ServerUnaryReactor* StartUnary(
    grpc::CallbackServerContext* ctx, const Req* request, Resp* response, server::ServerApi* api,
    void (server::ServerApi::*method)(const server::RequestContext&, const Req&,
                                      server::Done<Resp>),
    size_t max_request_bytes) {
  if (absl::Status s = CheckRequestSize(*request, max_request_bytes); !s.ok()) {
    return FinishNow(ctx, s);
  }
  auto* call = new UnaryCall<Resp>(response);
  (api->*method)(ContextFromMetadata(*ctx), *request, call->MakeDone());
  return call;
}

}  // namespace etcd::api
