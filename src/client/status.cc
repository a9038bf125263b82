#include "client/status.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace etcd::client {

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

const char* GrpcCodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "OK";
    case absl::StatusCode::kCancelled:
      return "Canceled";
    case absl::StatusCode::kUnknown:
      return "Unknown";
    case absl::StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case absl::StatusCode::kDeadlineExceeded:
      return "DeadlineExceeded";
    case absl::StatusCode::kNotFound:
      return "NotFound";
    case absl::StatusCode::kAlreadyExists:
      return "AlreadyExists";
    case absl::StatusCode::kPermissionDenied:
      return "PermissionDenied";
    case absl::StatusCode::kResourceExhausted:
      return "ResourceExhausted";
    case absl::StatusCode::kFailedPrecondition:
      return "FailedPrecondition";
    case absl::StatusCode::kAborted:
      return "Aborted";
    case absl::StatusCode::kOutOfRange:
      return "OutOfRange";
    case absl::StatusCode::kUnimplemented:
      return "Unimplemented";
    case absl::StatusCode::kInternal:
      return "Internal";
    case absl::StatusCode::kUnavailable:
      return "Unavailable";
    case absl::StatusCode::kDataLoss:
      return "DataLoss";
    case absl::StatusCode::kUnauthenticated:
      return "Unauthenticated";
    default:
      return "Unknown";
  }
}

std::string ErrorString(const absl::Status& status) {
  if (status.ok()) return "";
  if (absl::StartsWith(status.message(), "etcdserver: ")) return std::string(status.message());
  return std::string("rpc error: code = ") + GrpcCodeName(status.code()) +
         " desc = " + std::string(status.message());
}

bool IsRetriable(const absl::Status& status, bool mutating) {
  if (status.code() != absl::StatusCode::kUnavailable) return false;
  if (!mutating) return true;
  const absl::string_view msg = status.message();
  // etcd's own Unavailable errors come after the request reached the server; only
  // "no leader" guarantees nothing was proposed.
  if (absl::StartsWith(msg, "etcdserver: ")) return msg == "etcdserver: no leader";
  // gRPC failed to connect, so the request was never sent. A connection lost
  // mid-call ("Socket closed", ...) is ambiguous and not retried.
  return absl::StrContains(msg, "failed to connect") ||
         absl::StrContains(msg, "Connection refused") ||
         absl::StrContains(msg, "connections to all backends failing") ||
         absl::StrContains(msg, "DNS resolution failed");
}

}  // namespace etcd::client
