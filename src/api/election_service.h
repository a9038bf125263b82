// v3electionpb.Election (reference/api.md §8): etcd's server-side clientv3 Election.
//  Campaign{name, lease, value}: lease 0 -> a fresh 60 s lease; key `<name>/<lease
//  hex>` put with the value (an existing key of the same lease is reused, its value
//  proclaimed); returns once no key under `<name>/` has a lower create revision, with
//  the campaign txn's header and leader {name, key, rev = create revision, lease}.
//  A cancel or deadline while waiting resigns (deletes the key).
//  Proclaim{leader, value}: put if the key's create revision is still leader.rev, else
//  UNKNOWN "election: not leader". Resign{leader}: delete under the same condition
//  (no error when it no longer holds). Leader{name}: the oldest key under `<name>/`,
//  else UNKNOWN "election: no leader". Observe{name}: streams the current leader, then
//  every change of its value, then the next leader once its key is deleted.
//  A request without `leader`: UNKNOWN "\"leader\" field must be provided".
//
// Thread safety: the gRPC handlers only create operations; every step runs on the
// shared SerialExecutor.
#pragma once

#include "api/coord_ops.h"
#include "v3electionpb/v3election.grpc.pb.h"

namespace etcd::api {

inline constexpr char kElectionNotLeader[] = "election: not leader";
inline constexpr char kElectionNoLeader[] = "election: no leader";
inline constexpr char kElectionMissingLeaderKey[] = "\"leader\" field must be provided";

class ElectionService final : public v3electionpb::Election::CallbackService {
 public:
  explicit ElectionService(coord::Env env) : env_(std::move(env)) {}

  grpc::ServerUnaryReactor* Campaign(grpc::CallbackServerContext* ctx,
                                     const v3electionpb::CampaignRequest* req,
                                     v3electionpb::CampaignResponse* resp) override;
  grpc::ServerUnaryReactor* Proclaim(grpc::CallbackServerContext* ctx,
                                     const v3electionpb::ProclaimRequest* req,
                                     v3electionpb::ProclaimResponse* resp) override;
  grpc::ServerUnaryReactor* Leader(grpc::CallbackServerContext* ctx,
                                   const v3electionpb::LeaderRequest* req,
                                   v3electionpb::LeaderResponse* resp) override;
  grpc::ServerWriteReactor<v3electionpb::LeaderResponse>* Observe(
      grpc::CallbackServerContext* ctx, const v3electionpb::LeaderRequest* req) override;
  grpc::ServerUnaryReactor* Resign(grpc::CallbackServerContext* ctx,
                                   const v3electionpb::ResignRequest* req,
                                   v3electionpb::ResignResponse* resp) override;

 private:
  coord::Env env_;
};

// Lock, Election and the executor they share, for the composition root:
//   api::CoordServices coord(member.get());
//   ClientPort::Start(..., {&watch, coord.lock(), coord.election()});
// Destroy it after the client port has shut down (it stops the executor).
class CoordServices {
 public:
  explicit CoordServices(server::ServerApi* api, coord::WatchAuthorizer authorize_watch = {});
  ~CoordServices();
  grpc::Service* lock();
  grpc::Service* election();

 private:
  std::shared_ptr<SerialExecutor> exec_;
  std::unique_ptr<class LockService> lock_;
  std::unique_ptr<ElectionService> election_;
};

}  // namespace etcd::api
