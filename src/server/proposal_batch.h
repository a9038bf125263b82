// ProposalBatch: the KV writes one thread proposes while a batch is open share one raft
// turn, run when the (outermost) batch closes, instead of one turn each.
//
// A front end that reads many requests at once (the h2 front door reads every ready
// connection in one epoll round) opens a batch around the round: the writes then go to
// Raft as one proposal batch — one WAL append and fdatasync on the leader, one MsgApp
// per follower and one fdatasync there — instead of the first write running a turn of
// its own and the rest queueing behind its fsync. A thread without an open batch is
// unaffected (the write runs its turn at once when none runs, see
// EtcdServer::TurnHereOrWake).
//
//   {
//     server::ProposalBatch batch(api);
//     for (...) api->Put(ctx, req, done);   // queued, no turn yet
//   }                                        // one turn for all of them
//
// Thread safety: the batch state is thread-local; a batch must close on the thread that
// opened it. Nesting is allowed (only the outermost close runs the turn).
#pragma once

#include "server/server_api.h"

namespace etcd::server {

class ProposalBatch {
 public:
  explicit ProposalBatch(ServerApi* api) {
    if (depth_++ == 0) {
      api_ = api;
      pending_ = false;
    }
  }
  ~ProposalBatch() {
    if (--depth_ == 0 && pending_) {
      pending_ = false;
      api_->RunDeferredTurn();
    }
  }
  ProposalBatch(const ProposalBatch&) = delete;
  ProposalBatch& operator=(const ProposalBatch&) = delete;

  // For the server: whether a batch is open on this thread, and that a write was queued
  // without its turn (the close runs it).
  static bool Open() { return depth_ > 0; }
  static void Defer() { pending_ = true; }

 private:
  static inline thread_local int depth_ = 0;
  static inline thread_local bool pending_ = false;
  static inline thread_local ServerApi* api_ = nullptr;
};

}  // namespace etcd::server
