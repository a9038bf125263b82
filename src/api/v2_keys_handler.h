// The v2 HTTP API served with --enable-v2 (reference/api.md §11): /v2/keys (GET with
// recursive/sorted/quorum and wait=true&waitIndex long polls, PUT with value/ttl/dir/
// prevExist/prevValue/prevIndex/refresh/noValueOnSuccess, POST in-order keys, DELETE with
// dir/recursive/prevValue/prevIndex), /v2/members and /v2/stats (v2_members_handler.h)
// and /v2/machines, with etcd's
// bodies, status codes and X-Etcd-Index / X-Etcd-Cluster-Id / X-Raft-Index / X-Raft-Term
// headers. Writes go through ServerApi::V2Write (Raft); reads and watches use the
// member's store. Design: docs/design/v2store.md.
//
// Thread safety: Handle may be called from any thread; answers are delivered from the
// HTTP thread (reads) or the applier (writes, watch events) and never block.
#pragma once

#include "api/http_types.h"
#include "api/v2_members_handler.h"
#include "common/clock.h"
#include "server/server_api.h"

namespace etcd::api {

class V2KeysHandler final : public HttpHandler {
 public:
  V2KeysHandler(server::ServerApi* api, const Clock* clock)
      : api_(api), clock_(clock), members_(api, clock) {}
  void Handle(const HttpRequest& request, HttpRespond respond) override;

 private:
  void Keys(const HttpRequest& request, const std::string& key, HttpRespond respond);
  void Machines(const HttpRequest& request, HttpRespond respond);
  std::vector<std::pair<std::string, std::string>> Headers(uint64_t etcd_index) const;
  int64_t NowNs() const;

  server::ServerApi* const api_;
  const Clock* const clock_;
  V2MembersHandler members_;  // /v2/members, /v2/stats (v2_members_handler.h)
  V2StoreStats store_stats_;
};

// Decodes an application/x-www-form-urlencoded body into pairs, in order.
std::vector<std::pair<std::string, std::string>> ParseForm(const std::string& body);

}  // namespace etcd::api
