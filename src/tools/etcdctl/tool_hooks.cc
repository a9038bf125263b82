#include "tools/etcdctl/tool_hooks.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>

extern char** environ;

namespace etcd::etcdctl {

int RunProgram(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  if (argv.empty()) return 127;
  std::cout << std::flush;
  std::cerr << std::flush;
  std::map<std::string, std::string> vars;
  std::vector<std::string> order;
  auto put = [&](const std::string& kv) {
    const std::string k = kv.substr(0, kv.find('='));
    if (vars.count(k) == 0) order.push_back(k);
    vars[k] = kv;
  };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) put(*e);
  for (const auto& kv : env) put(kv);
  std::vector<std::string> env_strings;
  for (const auto& k : order) env_strings.push_back(vars[k]);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : env_strings) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  // The child starts with no blocked signals (lock/elect block SIGINT/SIGTERM).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid;
  const int rc = posix_spawnp(&pid, cargv[0], nullptr, &attr, cargv.data(), cenv.data());
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return 127;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 127;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

std::string EtcdutlPath() {
  if (const char* p = std::getenv("ETCDUTL"); p != nullptr && *p != '\0') return p;
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    std::string self(buf, static_cast<size_t>(n));
    const std::string dir = self.substr(0, self.rfind('/'));
    for (const char* rel : {"/etcdutl", "/../etcdutl/etcdutl"}) {
      const std::string cand = dir + rel;
      if (access(cand.c_str(), X_OK) == 0) return cand;
    }
  }
  return "etcdutl";
}

int RunEtcdutl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {EtcdutlPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  const int rc = RunProgram(argv, {});
  if (rc == 127) {
    std::cerr << "Error: this command needs etcdutl, which is not installed (looked for " << argv[0]
              << ")\n";
    return 1;
  }
  return rc;
}

}  // namespace etcd::etcdctl
