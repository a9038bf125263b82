#include "v2store/v2_error.h"

#include <nlohmann/json.hpp>

namespace etcd::v2store {

std::string V2Error::Message() const {
  switch (code) {
    case kKeyNotFound:
      return "Key not found";
    case kTestFailed:
      return "Compare failed";
    case kNotFile:
      return "Not a file";
    case kNotDir:
      return "Not a directory";
    case kNodeExist:
      return "Key already exists";
    case kRootReadOnly:
      return "Root is read only";
    case kDirNotEmpty:
      return "Directory not empty";
    case kUnauthorized:
      return "The request requires user authentication";
    case kPrevValueRequired:
      return "PrevValue is Required in POST form";
    case kTtlNaN:
      return "The given TTL in POST form is not a number";
    case kIndexNaN:
      return "The given index in POST form is not a number";
    case kInvalidField:
      return "Invalid field";
    case kInvalidForm:
      return "Invalid POST form";
    case kRefreshValue:
      return "Value provided on refresh";
    case kRefreshTtlRequired:
      return "A TTL must be provided on refresh";
    case kRaftInternal:
      return "Raft Internal Error";
    case kLeaderElect:
      return "During Leader Election";
    case kWatcherCleared:
      return "watcher is cleared due to etcd recovery";
    case kEventIndexCleared:
      return "The event in requested index is outdated and cleared";
    default:
      return "Unknown error";
  }
}

int V2Error::HttpStatus() const {
  switch (code) {
    case kKeyNotFound:
      return 404;
    case kNotFile:
    case kDirNotEmpty:
      return 403;
    case kUnauthorized:
      return 401;
    case kTestFailed:
    case kNodeExist:
      return 412;
    case kRaftInternal:
    case kLeaderElect:
      return 500;
    default:
      return 400;
  }
}

std::string V2Error::Json() const {
  nlohmann::ordered_json j;
  j["errorCode"] = code;
  j["message"] = Message();
  if (!cause.empty()) j["cause"] = cause;
  j["index"] = index;
  return j.dump();
}

}  // namespace etcd::v2store
