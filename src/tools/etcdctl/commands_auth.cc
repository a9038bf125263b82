// auth enable/disable/status, user add/get/list/delete/passwd/grant-role/revoke-role,
// role add/get/list/delete/grant-permission/revoke-permission.
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "tools/etcdctl/commands.h"
#include "tools/etcdctl/go_format.h"

namespace etcd::etcdctl {

using namespace etcdserverpb;  // NOLINT: generated message names

namespace {

void AuthEnable(Context& ctx) {
  if (!ctx.args().empty()) {
    ExitWithError(kExitBadArgs, "auth enable command does not accept any arguments");
  }
  auto cli = ctx.MustClient();
  for (;;) {
    auto r = cli->AuthEnable();
    if (r.ok()) break;
    if (r.status().message() != "etcdserver: root user does not have root role") {
      ExitWithStatus(kExitError, r.status());
    }
    if (auto a = cli->RoleAdd("root"); !a.ok()) ExitWithStatus(kExitError, a.status());
    if (auto g = cli->UserGrantRole("root", "root"); !g.ok()) {
      ExitWithStatus(kExitError, g.status());
    }
  }
  ctx.out() << "Authentication Enabled\n";
}

void AuthDisable(Context& ctx) {
  if (!ctx.args().empty()) {
    ExitWithError(kExitBadArgs, "auth disable command does not accept any arguments");
  }
  auto cli = ctx.MustClient();
  auto r = cli->AuthDisable();
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.out() << "Authentication Disabled\n";
}

void AuthStatus(Context& ctx) {
  if (!ctx.args().empty()) {
    ExitWithError(kExitBadArgs, "auth status command does not accept any arguments");
  }
  auto cli = ctx.MustClient();
  auto r = cli->AuthStatus();
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.Display().AuthStatus(*r);
}

std::string Ask(Context& ctx, const std::string& prompt) {
  return AskPassword(prompt, ctx.out(), ctx.err(), ctx.in());
}

std::string ReadPasswordInteractive(Context& ctx, const std::string& name) {
  const std::string p1 = Ask(ctx, "Password of " + name + ": ");
  if (p1.empty()) ExitWithError(kExitBadArgs, "empty password");
  const std::string p2 = Ask(ctx, "Type password of " + name + " again for confirmation: ");
  if (p1 != p2) ExitWithError(kExitBadArgs, "given passwords are different");
  return p1;
}

// fmt.Scanf("%s"): the first whitespace-separated word of stdin.
std::string ScanWord(std::istream& in) {
  std::string w;
  in >> w;
  return w;
}

void UserAdd(Context& ctx) {
  if (ctx.args().size() != 1) {
    ExitWithError(kExitBadArgs, "user add command requires user name as its argument");
  }
  const std::string arg = ctx.args()[0];
  AuthUserAddRequest req;
  if (ctx.flags().GetBool("no-password")) {
    req.set_name(arg);
    req.mutable_options()->set_no_password(true);
  } else if (!ctx.flags().GetString("new-user-password").empty()) {
    req.set_name(arg);
    req.set_password(ctx.flags().GetString("new-user-password"));
  } else if (const size_t colon = arg.find(':'); colon == std::string::npos) {
    req.set_name(arg);
    req.set_password(ctx.flags().GetBool("interactive") ? ReadPasswordInteractive(ctx, arg)
                                                        : ScanWord(ctx.in()));
  } else {
    req.set_name(arg.substr(0, colon));
    req.set_password(arg.substr(colon + 1));
    if (req.name().empty()) ExitWithError(kExitBadArgs, "empty user name is not allowed");
  }
  auto cli = ctx.MustClient();
  auto r = cli->UserAdd(req);
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.Display().UserAdd(req.name(), *r);
}

void UserDelete(Context& ctx) {
  if (ctx.args().size() != 1) {
    ExitWithError(kExitBadArgs, "user delete command requires user name as its argument");
  }
  auto cli = ctx.MustClient();
  auto r = cli->UserDelete(ctx.args()[0]);
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.Display().UserDelete(ctx.args()[0], *r);
}

void UserGet(Context& ctx) {
  if (ctx.args().size() != 1) {
    ExitWithError(kExitBadArgs, "user get command requires user name as its argument");
  }
  const std::string name = ctx.args()[0];
  auto cli = ctx.MustClient();
  auto r = cli->UserGet(name);
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  if (ctx.flags().GetBool("detail")) {
    ctx.out() << "User: " << name << "\n";
    for (const auto& role : r->roles()) {
      ctx.out() << "\n";
      auto rr = cli->RoleGet(role);
      if (!rr.ok()) ExitWithStatus(kExitError, rr.status());
      ctx.Display().RoleGet(role, *rr);
    }
    return;
  }
  ctx.Display().UserGet(name, *r);
}

void UserList(Context& ctx) {
  if (!ctx.args().empty()) ExitWithError(kExitBadArgs, "user list command requires no arguments");
  auto cli = ctx.MustClient();
  auto r = cli->UserList();
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.Display().UserList(*r);
}

void UserPasswd(Context& ctx) {
  if (ctx.args().size() != 1) {
    ExitWithError(kExitBadArgs, "user passwd command requires user name as its argument");
  }
  const std::string password = ctx.flags().GetBool("interactive")
                                   ? ReadPasswordInteractive(ctx, ctx.args()[0])
                                   : ScanWord(ctx.in());
  auto cli = ctx.MustClient();
  auto r = cli->UserChangePassword(ctx.args()[0], password);
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.Display().UserChangePassword(*r);
}

void UserGrantRole(Context& ctx) {
  if (ctx.args().size() != 2) {
    ExitWithError(kExitBadArgs,
                  "user grant command requires user name and role name as its argument");
  }
  auto cli = ctx.MustClient();
  auto r = cli->UserGrantRole(ctx.args()[0], ctx.args()[1]);
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.Display().UserGrantRole(ctx.args()[0], ctx.args()[1], *r);
}

void UserRevokeRole(Context& ctx) {
  if (ctx.args().size() != 2) {
    ExitWithError(kExitBadArgs,
                  "user revoke-role requires user name and role name as its argument");
  }
  auto cli = ctx.MustClient();
  auto r = cli->UserRevokeRole(ctx.args()[0], ctx.args()[1]);
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.Display().UserRevokeRole(ctx.args()[0], ctx.args()[1], *r);
}

void RoleAdd(Context& ctx) {
  if (ctx.args().size() != 1) {
    ExitWithError(kExitBadArgs, "role add command requires role name as its argument");
  }
  auto cli = ctx.MustClient();
  auto r = cli->RoleAdd(ctx.args()[0]);
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.Display().RoleAdd(ctx.args()[0], *r);
}

void RoleDelete(Context& ctx) {
  if (ctx.args().size() != 1) {
    ExitWithError(kExitBadArgs, "role delete command requires role name as its argument");
  }
  auto cli = ctx.MustClient();
  auto r = cli->RoleDelete(ctx.args()[0]);
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.Display().RoleDelete(ctx.args()[0], *r);
}

void RoleGet(Context& ctx) {
  if (ctx.args().size() != 1) {
    ExitWithError(kExitBadArgs, "role get command requires role name as its argument");
  }
  auto cli = ctx.MustClient();
  auto r = cli->RoleGet(ctx.args()[0]);
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.Display().RoleGet(ctx.args()[0], *r);
}

void RoleList(Context& ctx) {
  if (!ctx.args().empty()) ExitWithError(kExitBadArgs, "role list command requires no arguments");
  auto cli = ctx.MustClient();
  auto r = cli->RoleList();
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.Display().RoleList(*r);
}

// etcdctl's permRange: key and range end from the arguments and --prefix/--from-key.
std::pair<std::string, std::string> PermRange(Context& ctx, const std::vector<std::string>& args) {
  const bool prefix = ctx.flags().GetBool("prefix"), from_key = ctx.flags().GetBool("from-key");
  std::string key = args[0];
  std::string end;
  if (key.empty()) {
    if (prefix && from_key) {
      ExitWithError(kExitBadArgs, "--from-key and --prefix flags are mutually exclusive");
    }
    key = std::string(1, '\0');
    if (prefix || from_key) end = std::string(1, '\0');
    return {key, end};
  }
  if (args.size() == 1) {
    if (prefix) {
      if (from_key) {
        ExitWithError(kExitBadArgs, "--from-key and --prefix flags are mutually exclusive");
      }
      return {key, PrefixRangeEnd(key)};
    }
    if (from_key) return {key, std::string(1, '\0')};
    return {key, ""};
  }
  if (prefix) ExitWithError(kExitBadArgs, "unexpected endkey argument with --prefix flag");
  if (from_key) ExitWithError(kExitBadArgs, "unexpected endkey argument with --from-key flag");
  return {key, args[1]};
}

void RoleGrantPermission(Context& ctx) {
  const auto& args = ctx.args();
  if (args.size() < 3) {
    ExitWithError(kExitBadArgs,
                  "role grant command requires role name, permission type, and key [endkey] as "
                  "its argument");
  }
  const std::string type = absl::AsciiStrToUpper(args[1]);
  authpb::Permission::Type perm;
  if (!authpb::Permission::Type_Parse(type, &perm)) {
    ExitWithError(kExitBadArgs, "invalid permission type: " + args[1]);
  }
  auto [key, end] = PermRange(ctx, std::vector<std::string>(args.begin() + 2, args.end()));
  AuthRoleGrantPermissionRequest req;
  req.set_name(args[0]);
  req.mutable_perm()->set_permtype(perm);
  req.mutable_perm()->set_key(key);
  req.mutable_perm()->set_range_end(end);
  auto cli = ctx.MustClient();
  auto r = cli->RoleGrantPermission(req);
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.Display().RoleGrantPermission(args[0], *r);
}

void RoleRevokePermission(Context& ctx) {
  const auto& args = ctx.args();
  if (args.size() < 2) {
    ExitWithError(kExitBadArgs,
                  "role revoke-permission command requires role name and key [endkey] as its "
                  "argument");
  }
  auto [key, end] = PermRange(ctx, std::vector<std::string>(args.begin() + 1, args.end()));
  AuthRoleRevokePermissionRequest req;
  req.set_role(args[0]);
  req.set_key(key);
  req.set_range_end(end);
  auto cli = ctx.MustClient();
  auto r = cli->RoleRevokePermission(req);
  if (!r.ok()) ExitWithStatus(kExitError, r.status());
  ctx.Display().RoleRevokePermission(args[0], args[1], end, *r);
}

}  // namespace

std::unique_ptr<Command> NewAuthCommand() {
  auto c = MakeCommand("auth <enable or disable>", "Enable or disable authentication");
  c->Add(MakeCommand("enable", "Enables authentication", AuthEnable));
  c->Add(MakeCommand("disable", "Disables authentication", AuthDisable));
  c->Add(MakeCommand("status", "Returns authentication status", AuthStatus));
  return c;
}

std::unique_ptr<Command> NewUserCommand() {
  auto c = MakeCommand("user <subcommand>", "User related commands");
  auto add = MakeCommand("add <user name or user:password> [options]", "Adds a new user", UserAdd);
  add->flags.Bool("interactive", 0, true,
                  "Read password from stdin instead of interactive terminal");
  add->flags.String("new-user-password", 0, "", "Supply password from the command line flag");
  add->flags.Bool("no-password", 0, false, "Create a user without password (CN based auth only)");
  c->Add(std::move(add));
  c->Add(MakeCommand("delete <user name>", "Deletes a user", UserDelete));
  auto get =
      MakeCommand("get <user name> [options]", "Gets detailed information of a user", UserGet);
  get->flags.Bool("detail", 0, false, "Show permissions of roles granted to the user");
  c->Add(std::move(get));
  c->Add(MakeCommand("list", "Lists all users", UserList));
  auto pw = MakeCommand("passwd <user name> [options]", "Changes password of user", UserPasswd);
  pw->flags.Bool("interactive", 0, true,
                 "If true, read password from stdin instead of interactive terminal");
  c->Add(std::move(pw));
  c->Add(
      MakeCommand("grant-role <user name> <role name>", "Grants a role to a user", UserGrantRole));
  c->Add(MakeCommand("revoke-role <user name> <role name>", "Revokes a role from a user",
                     UserRevokeRole));
  return c;
}

std::unique_ptr<Command> NewRoleCommand() {
  auto c = MakeCommand("role <subcommand>", "Role related commands");
  c->Add(MakeCommand("add <role name>", "Adds a new role", RoleAdd));
  c->Add(MakeCommand("delete <role name>", "Deletes a role", RoleDelete));
  c->Add(MakeCommand("get <role name>", "Gets detailed information of a role", RoleGet));
  c->Add(MakeCommand("list", "Lists all roles", RoleList));
  auto grant =
      MakeCommand("grant-permission [options] <role name> <permission type> <key> [endkey]",
                  "Grants a key to a role", RoleGrantPermission);
  grant->flags.Bool("prefix", 0, false, "grant a prefix permission");
  grant->flags.Bool("from-key", 0, false,
                    "grant a permission of keys that are greater than or equal to the given key");
  c->Add(std::move(grant));
  auto revoke = MakeCommand("revoke-permission <role name> <key> [endkey]",
                            "Revokes a key from a role", RoleRevokePermission);
  revoke->flags.Bool("prefix", 0, false, "revoke a prefix permission");
  revoke->flags.Bool("from-key", 0, false,
                     "revoke a permission of keys that are greater than or equal to the given key");
  c->Add(std::move(revoke));
  return c;
}

}  // namespace etcd::etcdctl
