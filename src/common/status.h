// Errors are values: absl::Status / absl::StatusOr<T> everywhere, with these two
// helpers to propagate them. Codes are gRPC-equal, so a Status can go on the wire
// unchanged once its message is etcd's (see api/errors.h for the one table).
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ETCD_STATUS_CONCAT_INNER_(a, b) a##b
#define ETCD_STATUS_CONCAT_(a, b) ETCD_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status); returns it from the enclosing function if not OK.
#define RETURN_IF_ERROR(expr)                    \
  do {                                           \
    ::absl::Status etcd_status_ = (expr);        \
    if (!etcd_status_.ok()) return etcd_status_; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, F())`: evaluates a StatusOr; returns its status on error,
// otherwise moves the value into `lhs`.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(ETCD_STATUS_CONCAT_(etcd_statusor_, __LINE__), lhs, rexpr)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                           \
  if (!tmp.ok()) return tmp.status();           \
  lhs = std::move(tmp).value()
