// The relay half of the h2 front door (h2_front.h): every stream of a client
// connection that the front does not answer itself (Watch, Lease, Maintenance, ...,
// KV.Compact, unknown paths) is forwarded unchanged to the gRPC C++ server over one
// in-process HTTP/2 connection per client connection: a socketpair whose other end gRPC
// serves (grpc::AddInsecureChannelFromFd), and on this end an nghttp2 CLIENT session
// driven by the client connection's worker thread.
//
//   client ══h2══ [server session] ─► H2Relay [client session] ══h2 socketpair══ gRPC
//
// Forwarded: request headers (all metadata, pseudo-headers kept), DATA both ways,
// response headers, trailers (also trailers-only answers), RST_STREAM both ways.
// Flow control with backpressure: both sessions run without automatic WINDOW_UPDATEs
// (nghttp2_option_set_no_auto_window_update); bytes received on one side are consumed
// (nghttp2_session_consume) only when the other side's session has taken them into
// its output, so a slow client (e.g. a watcher that does not read) stops gRPC through
// the windows instead of making the relay buffer without bound: per stream at most
// one window of bytes is held in each direction.
//
// Thread safety: none; an H2Relay lives on its connection's worker thread only.
#pragma once

#include <nghttp2/nghttp2.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace etcd::api {

using H2Headers = std::vector<std::pair<std::string, std::string>>;

// nghttp2_session_consume for both the connection and (when it still exists) the stream.
void H2Consume(nghttp2_session* session, int32_t stream_id, size_t bytes);

class H2Relay {
 public:
  // `fd`: our end of a connected, non-blocking socketpair (owned: closed by the
  // destructor). `downstream`: the client connection's server session (not owned; it
  // outlives the relay). `read_response`: the data-source read callback the front
  // installs for relayed response bodies on the downstream session; it must call
  // ReadResponse on the connection's current relay. `window`: initial per-stream
  // receive window towards gRPC (the connection window is 4 times it).
  static std::unique_ptr<H2Relay> Create(int fd, nghttp2_session* downstream,
                                         nghttp2_data_source_read_callback read_response,
                                         int32_t window);
  ~H2Relay();
  H2Relay(const H2Relay&) = delete;
  H2Relay& operator=(const H2Relay&) = delete;

  int fd() const { return fd_; }

  // --- Downstream events (from the server session's callbacks) ---
  // Opens the upstream twin of client stream `down_id`. False: could not (the caller
  // resets the client stream).
  bool OpenStream(int32_t down_id, const H2Headers& headers, bool end_stream);
  // Request body bytes of `down_id`; consumed on the downstream session once sent on.
  void OnRequestData(int32_t down_id, const uint8_t* data, size_t len);
  // The client half-closed `down_id`.
  void OnRequestEnd(int32_t down_id);
  // The client stream closed (`error_code` != 0: reset): the upstream twin is reset
  // unless it is already closed.
  void OnDownstreamClose(int32_t down_id, uint32_t error_code);
  // The downstream data source of `down_id`'s response body (see `read_response`).
  ssize_t ReadResponse(int32_t down_id, uint8_t* buf, size_t len, uint32_t* flags);

  // --- I/O on fd ---
  // Feeds bytes read from fd. False: protocol error (the relay is broken).
  bool Receive(const uint8_t* data, size_t len);
  // Appends pending frames to *out until it holds `bound` bytes or nothing is left.
  // False: session error.
  bool Fill(std::string* out, size_t bound);
  // The gRPC side closed the connection (GOAWAY and no streams left).
  bool Finished() const;
  // Frames are waiting to be taken by Fill.
  bool WantWrite() const { return nghttp2_session_want_write(session_) != 0; }
  // The relay is going away (socket error, EOF): resets every client stream still
  // relayed (INTERNAL_ERROR) and gives back their unsent request bytes' window.
  void ResetDownstream();

  size_t streams() const { return streams_.size(); }

 private:
  struct Stream;
  H2Relay(int fd, nghttp2_session* downstream, nghttp2_data_source_read_callback read_response);

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame*, void*);
  static int OnHeader(nghttp2_session*, const nghttp2_frame*, const uint8_t*, size_t,
                      const uint8_t*, size_t, uint8_t, void*);
  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame*, void*);
  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t, const uint8_t*, size_t, void*);
  static int OnStreamClose(nghttp2_session*, int32_t, uint32_t, void*);
  static ssize_t ReadRequest(nghttp2_session*, int32_t, uint8_t*, size_t, uint32_t*,
                             nghttp2_data_source*, void*);

  Stream* Find(int32_t down_id);
  void MaybeErase(Stream* s);

  const int fd_;
  nghttp2_session* const downstream_;
  const nghttp2_data_source_read_callback read_response_;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<int32_t, std::unique_ptr<Stream>> streams_;  // by client stream id
};

}  // namespace etcd::api
