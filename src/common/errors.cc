#include "common/errors.h"

#include <string>

namespace etcd::errors {
namespace {

struct Entry {
  absl::StatusCode code;
  const char* message;
};

Entry Lookup(Err e) {
  using C = absl::StatusCode;
  switch (e) {
    case Err::kEmptyKey:
      return {C::kInvalidArgument, "etcdserver: key is not provided"};
    case Err::kKeyNotFound:
      return {C::kInvalidArgument, "etcdserver: key not found"};
    case Err::kValueProvided:
      return {C::kInvalidArgument, "etcdserver: value is provided"};
    case Err::kLeaseProvided:
      return {C::kInvalidArgument, "etcdserver: lease is provided"};
    case Err::kTooManyOps:
      return {C::kInvalidArgument, "etcdserver: too many operations in txn request"};
    case Err::kDuplicateKey:
      return {C::kInvalidArgument, "etcdserver: duplicate key given in txn request"};
    case Err::kInvalidSortOption:
      return {C::kInvalidArgument, "etcdserver: invalid sort option"};
    case Err::kMemberBadURLs:
      return {C::kInvalidArgument, "etcdserver: given member URLs are invalid"};
    case Err::kRequestTooLarge:
      return {C::kInvalidArgument, "etcdserver: request is too large"};
    case Err::kUserEmpty:
      return {C::kInvalidArgument, "etcdserver: user name is empty"};
    case Err::kRoleEmpty:
      return {C::kInvalidArgument, "etcdserver: role name is empty"};
    case Err::kAuthFailed:
      return {C::kInvalidArgument,
              "etcdserver: authentication failed, invalid user ID or password"};
    case Err::kInvalidAuthMgmt:
      return {C::kInvalidArgument, "etcdserver: invalid auth management"};
    case Err::kAuthOldRevision:
      return {C::kInvalidArgument, "etcdserver: revision of auth store is old"};
    case Err::kCompacted:
      return {C::kOutOfRange, "etcdserver: mvcc: required revision has been compacted"};
    case Err::kFutureRev:
      return {C::kOutOfRange, "etcdserver: mvcc: required revision is a future revision"};
    case Err::kLeaseTTLTooLarge:
      return {C::kOutOfRange, "etcdserver: too large lease TTL"};
    case Err::kNoSpace:
      return {C::kResourceExhausted, "etcdserver: mvcc: database space exceeded"};
    case Err::kTooManyRequests:
      return {C::kResourceExhausted, "etcdserver: too many requests"};
    case Err::kLeaseNotFound:
      return {C::kNotFound, "etcdserver: requested lease not found"};
    case Err::kMemberNotFound:
      return {C::kNotFound, "etcdserver: member not found"};
    case Err::kLeaseExist:
      return {C::kFailedPrecondition, "etcdserver: lease already exists"};
    case Err::kMemberExist:
      return {C::kFailedPrecondition, "etcdserver: member ID already exist"};
    case Err::kPeerURLExist:
      return {C::kFailedPrecondition, "etcdserver: Peer URLs already exists"};
    case Err::kMemberNotEnoughStarted:
      return {C::kFailedPrecondition,
              "etcdserver: re-configuration failed due to not enough started members"};
    case Err::kMemberNotLearner:
      return {C::kFailedPrecondition, "etcdserver: can only promote a learner member"};
    case Err::kLearnerNotReady:
      return {C::kFailedPrecondition,
              "etcdserver: can only promote a learner member which is in sync with leader"};
    case Err::kTooManyLearners:
      return {C::kFailedPrecondition, "etcdserver: too many learner members in cluster"};
    case Err::kRootUserNotExist:
      return {C::kFailedPrecondition, "etcdserver: root user does not exist"};
    case Err::kRootRoleNotExist:
      return {C::kFailedPrecondition, "etcdserver: root user does not have root role"};
    case Err::kUserAlreadyExist:
      return {C::kFailedPrecondition, "etcdserver: user name already exists"};
    case Err::kUserNotFound:
      return {C::kFailedPrecondition, "etcdserver: user name not found"};
    case Err::kRoleAlreadyExist:
      return {C::kFailedPrecondition, "etcdserver: role name already exists"};
    case Err::kRoleNotFound:
      return {C::kFailedPrecondition, "etcdserver: role name not found"};
    case Err::kRoleNotGranted:
      return {C::kFailedPrecondition, "etcdserver: role is not granted to the user"};
    case Err::kPermissionNotGranted:
      return {C::kFailedPrecondition, "etcdserver: permission is not granted to the role"};
    case Err::kAuthNotEnabled:
      return {C::kFailedPrecondition, "etcdserver: authentication is not enabled"};
    case Err::kNotLeader:
      return {C::kFailedPrecondition, "etcdserver: not leader"};
    case Err::kBadLeaderTransferee:
      return {C::kFailedPrecondition, "etcdserver: bad leader transferee"};
    case Err::kPermissionDenied:
      return {C::kPermissionDenied, "etcdserver: permission denied"};
    case Err::kInvalidAuthToken:
      return {C::kUnauthenticated, "etcdserver: invalid auth token"};
    case Err::kNoLeader:
      return {C::kUnavailable, "etcdserver: no leader"};
    case Err::kLeaderChanged:
      return {C::kUnavailable, "etcdserver: leader changed"};
    case Err::kNotCapable:
      return {C::kUnavailable, "etcdserver: not capable"};
    case Err::kStopped:
      return {C::kUnavailable, "etcdserver: server stopped"};
    case Err::kTimeout:
      return {C::kUnavailable, "etcdserver: request timed out"};
    case Err::kTimeoutDueToLeaderFail:
      return {C::kUnavailable,
              "etcdserver: request timed out, possibly due to previous leader failure"};
    case Err::kTimeoutDueToConnectionLost:
      return {C::kUnavailable, "etcdserver: request timed out, possibly due to connection lost"};
    case Err::kTimeoutWaitAppliedIndex:
      return {C::kUnavailable,
              "etcdserver: request timed out, waiting for the applied index took too long"};
    case Err::kUnhealthy:
      return {C::kUnavailable, "etcdserver: unhealthy cluster"};
    case Err::kLearnerNotSupported:
      return {C::kUnavailable, "etcdserver: rpc not supported for learner"};
    case Err::kTimeoutLeaderTransfer:
      return {C::kUnavailable, "etcdserver: request timed out, leader transfer took too long"};
    case Err::kCorrupt:
      return {C::kDataLoss, "etcdserver: corrupt cluster"};
    case Err::kWatchCanceled:
      return {C::kCancelled, "etcdserver: watch canceled"};
    case Err::kAuthRawPermissionDenied:
      return {C::kUnknown, "auth: permission denied"};
    case Err::kAuthRawUserEmpty:
      return {C::kUnknown, "auth: user name is empty"};
    case Err::kAuthRawUserNotFound:
      return {C::kUnknown, "auth: user name not found"};
    case Err::kAuthNoPasswordUser:
      return {C::kUnknown, "auth: authentication failed, password was given for no password user"};
  }
  return {C::kUnknown, "etcdserver: unknown error"};
}

}  // namespace

absl::Status Make(Err e) {
  Entry entry = Lookup(e);
  return absl::Status(entry.code, entry.message);
}

const char* Message(Err e) { return Lookup(e).message; }

bool Is(const absl::Status& s, Err e) {
  Entry entry = Lookup(e);
  return s.code() == entry.code && s.message() == entry.message;
}

std::string GrpcErrorText(Err e) {
  static const char* const kCodeNames[] = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  Entry entry = Lookup(e);
  int code = static_cast<int>(entry.code);
  std::string name = code >= 0 && code <= 16 ? kCodeNames[code] : "Unknown";
  return "rpc error: code = " + name + " desc = " + entry.message;
}

absl::Status MessageTooLarge(size_t got, size_t max) {
  return absl::ResourceExhaustedError("grpc: received message larger than max (" +
                                      std::to_string(got) + " vs. " + std::to_string(max) + ")");
}

}  // namespace etcd::errors
