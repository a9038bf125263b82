// gRPC status <-> absl::Status for the client. Codes are numerically equal; the
// message is kept byte for byte (etcd's clients match errors on the text).
// Pure functions; thread-safe.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

#include "common/status.h"

namespace etcd::client {

absl::Status FromGrpcStatus(const grpc::Status& status);
grpc::Status ToGrpcStatus(const absl::Status& status);

// Go's name for a gRPC code ("Unavailable", "DeadlineExceeded", ...).
const char* GrpcCodeName(absl::StatusCode code);

// The error text clientv3 shows: etcd's own errors ("etcdserver: ...") bare, anything
// else as "rpc error: code = <Name> desc = <message>".
std::string ErrorString(const absl::Status& status);

// The errors clientv3 retries on another endpoint: Unavailable. `mutating` requests
// are retried only when they cannot have been applied (the connection failed before
// the request was sent, or the member has no leader).
bool IsRetriable(const absl::Status& status, bool mutating);

}  // namespace etcd::client
