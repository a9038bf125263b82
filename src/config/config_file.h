// Reading the YAML configuration file (--config-file / ETCD_CONFIG_FILE). Its keys are
// the flag names; TLS settings are nested under client-transport-security and
// peer-transport-security (cert-file, key-file, client-cert-auth, trusted-ca-file,
// auto-tls, as in etcd 3.4; we also accept crl-file, allowed-cn and allowed-hostname).
// Values are turned into the same text a flag would carry, so one set of parsers and
// messages serves flags, variables and the file:
//  * lists may be written as YAML sequences or comma-separated strings;
//  * durations may be Go strings ("5s") or integers, which etcd reads as nanoseconds;
//  * booleans also accept YAML 1.1 words (yes/no/on/off), as etcd's YAML reader does.
// Unknown keys are reported as warnings (etcd ignores them silently).
//
// Internal to config/. Safe from any thread (yaml-cpp objects are local).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "config/diagnostics.h"

namespace leveldb {
class Env;
}

namespace etcd::config {

// Parses YAML text. `path` is used for sources and messages only.
absl::Status ParseConfigYaml(absl::string_view yaml, const std::string& path, RawValues* out,
                             std::vector<std::string>* warnings);

// Reads `path` through `fs` (the real file system when null) and parses it.
absl::Status LoadConfigFile(const std::string& path, leveldb::Env* fs, RawValues* out,
                            std::vector<std::string>* warnings);

// The key a flag has in the YAML file: "name", or "peer-transport-security.cert-file"
// for --peer-cert-file. Empty if the flag cannot be set from the file.
std::string YamlKeyForFlag(absl::string_view flag);

}  // namespace etcd::config
