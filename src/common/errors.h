// The one table of etcd's client-visible errors: gRPC code + exact message text, as
// etcd 3.4's rpctypes (clients map errors back by message text, so every byte counts;
// reference/api.md §9). Every layer returns these Status values unchanged; the gRPC
// and gateway layers put code and message on the wire as they are.
#pragma once

#include <string>

#include "common/status.h"

namespace etcd::errors {

enum class Err {
  // InvalidArgument
  kEmptyKey,
  kKeyNotFound,
  kValueProvided,
  kLeaseProvided,
  kTooManyOps,
  kDuplicateKey,
  kInvalidSortOption,
  kMemberBadURLs,
  kRequestTooLarge,
  kUserEmpty,
  kRoleEmpty,
  kAuthFailed,
  kInvalidAuthMgmt,
  kAuthOldRevision,
  // OutOfRange
  kCompacted,
  kFutureRev,
  kLeaseTTLTooLarge,
  // ResourceExhausted
  kNoSpace,
  kTooManyRequests,
  // NotFound
  kLeaseNotFound,
  kMemberNotFound,
  // FailedPrecondition
  kLeaseExist,
  kMemberExist,
  kPeerURLExist,
  kMemberNotEnoughStarted,
  kMemberNotLearner,
  kLearnerNotReady,
  kTooManyLearners,
  kRootUserNotExist,
  kRootRoleNotExist,
  kUserAlreadyExist,
  kUserNotFound,
  kRoleAlreadyExist,
  kRoleNotFound,
  kRoleNotGranted,
  kPermissionNotGranted,
  kAuthNotEnabled,
  kNotLeader,
  kBadLeaderTransferee,
  // PermissionDenied
  kPermissionDenied,
  // Unauthenticated
  kInvalidAuthToken,
  // Unavailable
  kNoLeader,
  kLeaderChanged,
  kNotCapable,
  kStopped,
  kTimeout,
  kTimeoutDueToLeaderFail,
  kTimeoutDueToConnectionLost,
  kTimeoutWaitAppliedIndex,
  kUnhealthy,
  kLearnerNotSupported,
  kTimeoutLeaderTransfer,
  // DataLoss
  kCorrupt,
  // Canceled
  kWatchCanceled,
  // Unknown: errors of etcd's auth package that reach clients unmapped (maintenance
  // RPCs and Authenticate of a no-password user answer them with code Unknown).
  kAuthRawPermissionDenied,
  kAuthRawUserEmpty,
  kAuthRawUserNotFound,
  kAuthNoPasswordUser,
};

// The Status for `e`: etcd's gRPC code and its exact message ("etcdserver: ...").
absl::Status Make(Err e);

// The bare message (e.g. for watch cancel_reason, which etcd sends without the gRPC
// wrapping).
const char* Message(Err e);

// True when `s` is exactly error `e` (same code and message).
bool Is(const absl::Status& s, Err e);

// Go's text of the gRPC error for `e`, as etcd embeds it in watch cancel reasons:
// "rpc error: code = PermissionDenied desc = etcdserver: permission denied".
std::string GrpcErrorText(Err e);

// gRPC's own size-limit error: "grpc: received message larger than max (N vs. M)".
absl::Status MessageTooLarge(size_t got, size_t max);

}  // namespace etcd::errors
