// Constructors of etcdctl's commands, one file per group, and helpers they share.
#pragma once

#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "etcdserverpb/rpc.pb.h"
#include "tools/etcdctl/command.h"
#include "tools/etcdctl/tool_hooks.h"

namespace etcd::etcdctl {

// commands_kv.cc
std::unique_ptr<Command> NewGetCommand();
std::unique_ptr<Command> NewPutCommand();
std::unique_ptr<Command> NewDelCommand();
std::unique_ptr<Command> NewTxnCommand();
std::unique_ptr<Command> NewCompactionCommand();
// The requests get/put/del build from their flags and arguments (exits on bad input).
etcdserverpb::RangeRequest GetOp(const FlagSet& flags, const std::vector<std::string>& args);
etcdserverpb::PutRequest PutOp(const FlagSet& flags, const std::vector<std::string>& args,
                               std::istream& in);
etcdserverpb::DeleteRangeRequest DelOp(const FlagSet& flags, const std::vector<std::string>& args);
// txn input parsing (exit 3 on bad input, as etcdctl).
etcdserverpb::Compare ParseCompare(const std::string& line);
etcdserverpb::RequestOp ParseRequestOp(const std::string& line, std::istream& in);
// etcdctl's argify: splits a line into words, honouring "..." (Go escapes) and '...'.
std::vector<std::string> Argify(const std::string& line);

// commands_watch.cc
std::unique_ptr<Command> NewWatchCommand();

// commands_lease.cc
std::unique_ptr<Command> NewLeaseCommand();

// commands_cluster.cc: member, endpoint, alarm, defrag, move-leader
std::unique_ptr<Command> NewMemberCommand();
std::unique_ptr<Command> NewEndpointCommand();
std::unique_ptr<Command> NewAlarmCommand();
std::unique_ptr<Command> NewDefragCommand();
std::unique_ptr<Command> NewMoveLeaderCommand();

// commands_snapshot.cc
std::unique_ptr<Command> NewSnapshotCommand();

// commands_auth.cc: auth, user, role
std::unique_ptr<Command> NewAuthCommand();
std::unique_ptr<Command> NewUserCommand();
std::unique_ptr<Command> NewRoleCommand();

// commands_concurrency.cc: lock, elect
std::unique_ptr<Command> NewLockCommand();
std::unique_ptr<Command> NewElectCommand();

// commands_misc.cc: make-mirror, check, version, completion, migrate
std::unique_ptr<Command> NewMakeMirrorCommand();
std::unique_ptr<Command> NewCheckCommand();
std::unique_ptr<Command> NewVersionCommand();
std::unique_ptr<Command> NewCompletionCommand();
std::unique_ptr<Command> NewMigrateCommand();

// A new command with `use` and `short_help` running `run`.
std::unique_ptr<Command> MakeCommand(std::string use, std::string short_help,
                                     std::function<void(Context&)> run = nullptr);

}  // namespace etcd::etcdctl
