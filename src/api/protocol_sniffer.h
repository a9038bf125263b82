// Decides from a connection's first bytes which server gets it: HTTP/2 with prior
// knowledge (gRPC; h2c as etcdctl and clientv3 speak it) starts with the client preface
// "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"; everything else goes to the HTTP/1.1 server.
//
// Pure function, no state; safe from any thread.
#pragma once

#include <string_view>

namespace etcd::api {

enum class Protocol {
  kNeedMore,  // the bytes so far are a proper prefix of "PRI": wait for more
  kHttp2,     // starts with "PRI" (the HTTP/2 preface; gRPC checks the rest)
  kHttp1,     // anything else (HTTP/1.x, or garbage the HTTP/1.1 server rejects)
};

// The HTTP/2 client connection preface (RFC 9113 §3.4).
inline constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// How many bytes Classify may need to decide (peek this many).
inline constexpr size_t kSniffBytes = 3;

Protocol Classify(std::string_view first_bytes);

}  // namespace etcd::api
