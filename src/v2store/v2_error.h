// The v2 keys API's errors: etcd's error codes, messages and HTTP statuses, and the JSON
// body {"errorCode":…,"message":…,"cause":…,"index":…}.
//
// Pure values; safe from any thread.
#pragma once

#include <cstdint>
#include <string>

namespace etcd::v2store {

enum ErrorCode : int {
  kKeyNotFound = 100,
  kTestFailed = 101,
  kNotFile = 102,
  kNotDir = 104,
  kNodeExist = 105,
  kRootReadOnly = 107,
  kDirNotEmpty = 108,
  kUnauthorized = 110,
  kPrevValueRequired = 201,
  kTtlNaN = 202,
  kIndexNaN = 203,
  kInvalidField = 209,
  kInvalidForm = 210,
  kRefreshValue = 211,
  kRefreshTtlRequired = 212,
  kRaftInternal = 300,
  kLeaderElect = 301,
  kWatcherCleared = 400,
  kEventIndexCleared = 401,
};

struct V2Error {
  int code = 0;
  std::string cause;
  uint64_t index = 0;

  std::string Message() const;  // etcd's text for `code`
  int HttpStatus() const;       // 404, 412, 403, 401, 500 or 400
  std::string Json() const;     // etcd's body, without a trailing newline
};

}  // namespace etcd::v2store
