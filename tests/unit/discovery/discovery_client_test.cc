#include "discovery/discovery_client.h"

#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "v2store/store.h"

namespace etcd::discovery {
namespace {

constexpr char kUrl[] = "http://disc.test/v2/keys/discovery/tok";
constexpr int64_t kNow = 1700000000LL * 1000000000LL;

// A discovery service made of our v2 store: answers the protocol's requests like etcd.
class StoreHttp : public HttpClient {
 public:
  v2store::Store store;
  std::function<void()> on_wait;  // runs when a watch has nothing yet (other members join)
  int fail_next = 0;              // connection errors to return first
  std::vector<std::string> log;

  absl::StatusOr<HttpResult> Do(const std::string& method, const std::string& url,
                                const std::string& form, bool wait) override {
    log.push_back(method + " " + url);
    if (fail_next > 0) {
      --fail_next;
      return absl::UnavailableError("connection refused");
    }
    std::string rest = url.substr(std::string("http://disc.test/v2/keys").size());
    std::string path = rest.substr(0, rest.find('?'));
    std::map<std::string, std::string> q;
    if (rest.find('?') != std::string::npos) {
      for (absl::string_view kv : absl::StrSplit(rest.substr(rest.find('?') + 1), '&')) {
        std::pair<std::string, std::string> p = absl::StrSplit(kv, absl::MaxSplits('=', 1));
        q[p.first] = p.second;
      }
    }
    HttpResult r;
    r.headers["x-etcd-index"] = absl::StrCat(store.Index());
    if (method == "PUT") {
      v2store::WriteOptions w;
      w.value = form.substr(std::string("value=").size());
      // %3D -> '=', %3A -> ':', %2F -> '/'
      std::string v;
      for (size_t i = 0; i < w.value.size(); ++i) {
        if (w.value[i] == '%' && i + 2 < w.value.size()) {
          v.push_back(static_cast<char>(std::stoi(w.value.substr(i + 1, 2), nullptr, 16)));
          i += 2;
        } else {
          v.push_back(w.value[i]);
        }
      }
      w.value = v;
      auto o =
          q["prevExist"] == "false" ? store.Create(path, w, false, kNow) : store.Set(path, w, kNow);
      r.status = o.ok() ? 201 : o.error->HttpStatus();
      r.body = o.ok() ? o.event.Json() : o.error->Json();
      return r;
    }
    if (wait) {
      uint64_t since = 0;
      (void)absl::SimpleAtoi(q["waitIndex"], &since);
      for (int round = 0; round < 2; ++round) {
        uint64_t id;
        bool reg;
        auto o = store.Watch(path, q["recursive"] == "true", since, nullptr, &id, &reg);
        if (!reg) {
          r.status = o.ok() ? 200 : o.error->HttpStatus();
          r.body = o.ok() ? o.event.Json() : o.error->Json();
          return r;
        }
        store.CancelWatch(id);
        if (on_wait) on_wait();
      }
      return absl::DeadlineExceededError("test: nobody joined");
    }
    auto o = store.Get(path, false, false, kNow);
    r.status = o.ok() ? 200 : o.error->HttpStatus();
    r.body = o.ok() ? o.event.Json() : o.error->Json();
    return r;
  }

  void Register(const std::string& id, const std::string& value) {
    v2store::WriteOptions w;
    w.value = value;
    store.Create("/discovery/tok/" + id, w, false, kNow);
  }
  void Size(const std::string& n) {
    v2store::WriteOptions w;
    w.value = n;
    store.Set("/discovery/tok/_config/size", w, kNow);
  }
};

DiscoveryOptions Opts(uint64_t id, const std::string& name, std::vector<int64_t>* sleeps) {
  DiscoveryOptions o;
  o.url = kUrl;
  o.member_id = id;
  o.name = name;
  o.value = name + "=http://10.0.0." + std::to_string(id) + ":2380";
  o.max_retries = 5;
  o.sleep = [sleeps](int64_t ms) { sleeps->push_back(ms); };
  return o;
}

TEST(JoinCluster, LastMemberSeesEveryoneWithoutWaiting) {
  StoreHttp http;
  std::vector<int64_t> sleeps;
  http.Size("3");
  http.Register("a1", "m1=http://10.0.0.1:2380");
  http.Register("a2", "m2=http://10.0.0.2:2380");
  auto c = JoinCluster(http, Opts(3, "m3", &sleeps));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c, "m1=http://10.0.0.1:2380,m2=http://10.0.0.2:2380,m3=http://10.0.0.3:2380");
}

TEST(JoinCluster, FirstMemberWaitsForTheOthers) {
  StoreHttp http;
  std::vector<int64_t> sleeps;
  http.Size("3");
  int joined = 0;
  http.on_wait = [&] {
    ++joined;
    http.Register("b" + std::to_string(joined), "m" + std::to_string(joined + 1) +
                                                    "=http://10.0.0." + std::to_string(joined + 1) +
                                                    ":2380");
  };
  std::vector<std::string> status;
  auto o = Opts(1, "m1", &sleeps);
  o.status = [&](const std::string& s) { status.push_back(s); };
  auto c = JoinCluster(http, o);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c, "m1=http://10.0.0.1:2380,m2=http://10.0.0.2:2380,m3=http://10.0.0.3:2380");
  bool said_waiting = false;
  for (const auto& s : status) said_waiting |= absl::StrContains(s, "waiting for 2 more member(s)");
  EXPECT_TRUE(said_waiting);
  // The registration used prevExist=false under the member ID in hex.
  bool put = false;
  for (const auto& l : http.log) put |= l == std::string("PUT ") + kUrl + "/1?prevExist=false";
  EXPECT_TRUE(put);
}

TEST(JoinCluster, FullClusterNamesTheTokenAndMembers) {
  StoreHttp http;
  std::vector<int64_t> sleeps;
  http.Size("1");
  http.Register("a1", "m1=http://10.0.0.1:2380");
  auto c = JoinCluster(http, Opts(9, "m9", &sleeps));
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(absl::StartsWith(c.status().message(), "discovery: cluster is full"));
  EXPECT_TRUE(absl::StrContains(c.status().message(), "m1=http://10.0.0.1:2380"));
  EXPECT_TRUE(absl::StrContains(c.status().message(), kUrl));
}

TEST(JoinCluster, DuplicateIdAndDuplicateName) {
  StoreHttp http;
  std::vector<int64_t> sleeps;
  http.Size("3");
  http.Register("5", "m5=http://10.0.0.5:2380");
  http.Register("6", "m5=http://10.0.0.6:2380");
  auto dup_id = JoinCluster(http, Opts(5, "m5", &sleeps));
  ASSERT_FALSE(dup_id.ok());
  EXPECT_TRUE(absl::StartsWith(dup_id.status().message(), "discovery: found duplicate id"));
  auto dup_name = JoinCluster(http, Opts(7, "m7", &sleeps));
  ASSERT_FALSE(dup_name.ok());
  EXPECT_TRUE(
      absl::StartsWith(dup_name.status().message(), "discovery: found duplicate name \"m5\""));
}

TEST(JoinCluster, SizeKeyMissingOrBad) {
  StoreHttp http;
  std::vector<int64_t> sleeps;
  auto missing = JoinCluster(http, Opts(1, "m1", &sleeps));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(absl::StartsWith(missing.status().message(), "100: Key not found"));
  http.Size("three");
  auto bad = JoinCluster(http, Opts(1, "m1", &sleeps));
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "discovery: size key is bad"));
}

TEST(JoinCluster, RetriesConnectionErrorsWithBackoff) {
  StoreHttp http;
  std::vector<int64_t> sleeps;
  http.Size("1");
  http.fail_next = 3;
  auto c = JoinCluster(http, Opts(1, "m1", &sleeps));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(sleeps, (std::vector<int64_t>{2000, 4000, 8000}));
  http.fail_next = 100;
  auto gave_up = JoinCluster(http, Opts(2, "m2", &sleeps));
  ASSERT_FALSE(gave_up.ok());
  EXPECT_EQ(gave_up.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace etcd::discovery

namespace etcd::discovery {
namespace {

TEST(RegisteredPeerUrls, FirstSizeRegistrationsWithoutRegistering) {
  StoreHttp http;
  std::vector<int64_t> sleeps;
  http.Size("2");
  http.Register("a1", "m1=http://10.0.0.1:2380,m1=http://10.0.1.1:2380");
  http.Register("a2", "m2=http://10.0.0.2:2380");
  http.Register("a3", "m3=http://10.0.0.3:2380");  // beyond the size: not a member
  auto urls = RegisteredPeerUrls(http, Opts(9, "proxy", &sleeps));
  ASSERT_TRUE(urls.ok()) << urls.status();
  EXPECT_EQ(*urls, (std::vector<std::string>{"http://10.0.0.1:2380", "http://10.0.1.1:2380",
                                             "http://10.0.0.2:2380"}));
  for (const auto& l : http.log) EXPECT_FALSE(absl::StartsWith(l, "PUT")) << l;
}

TEST(RegisteredPeerUrls, EmptyTokenIsUnavailable) {
  StoreHttp http;
  std::vector<int64_t> sleeps;
  http.Size("3");
  auto urls = RegisteredPeerUrls(http, Opts(9, "proxy", &sleeps));
  EXPECT_EQ(urls.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace etcd::discovery
