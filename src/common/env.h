// The one OS seam for files: leveldb::Env. The WAL and the LevelDB backend both take
// an Env*, so tests run on leveldb::NewMemEnv() and on FaultEnv (tests/) without
// touching the disk. Only tools/ pass leveldb::Env::Default().
#pragma once

#include "leveldb/env.h"

namespace etcd {
using Env = leveldb::Env;
}  // namespace etcd
