#include "api/gateway.h"

#include "api/http_endpoints.h"

namespace etcd::api {

void Gateway::Handle(const HttpRequest& request, HttpRespond respond) {
  respond(PageNotFound());
}

}  // namespace etcd::api
