#include "api/h2_relay.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace etcd::api {

void H2Consume(nghttp2_session* session, int32_t stream_id, size_t bytes) {
  if (bytes == 0) return;
  nghttp2_session_consume_connection(session, bytes);
  if (nghttp2_session_find_stream(session, stream_id) != nullptr) {
    nghttp2_session_consume_stream(session, stream_id, bytes);
  }
}

namespace {

std::vector<nghttp2_nv> ToNv(const H2Headers& headers) {
  std::vector<nghttp2_nv> nva;
  nva.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    nva.push_back(nghttp2_nv{const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(name.data())),
                             const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(value.data())),
                             name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  return nva;
}

}  // namespace

// One relayed stream: the client's stream `down_id` and its upstream twin `up_id`.
struct H2Relay::Stream {
  int32_t down_id = 0;
  int32_t up_id = 0;
  // Request bytes not yet taken by the upstream session.
  std::string up_buf;
  size_t up_off = 0;
  bool up_eof = false;
  // Response bytes not yet taken by the downstream session.
  std::string down_buf;
  size_t down_off = 0;
  H2Headers collecting;  // the header block being received from gRPC
  H2Headers trailers;
  bool has_trailers = false;  // trailers received (sent after down_buf drains)
  bool down_eof = false;      // END_STREAM without trailers
  bool finished = false;      // the response is complete (trailers, END_STREAM)
  bool down_closed = false;
  bool up_closed = false;

  size_t UpPending() const { return up_buf.size() - up_off; }
  size_t DownPending() const { return down_buf.size() - down_off; }
};

H2Relay::H2Relay(int fd, nghttp2_session* downstream,
                 nghttp2_data_source_read_callback read_response)
    : fd_(fd), downstream_(downstream), read_response_(read_response) {}

std::unique_ptr<H2Relay> H2Relay::Create(int fd, nghttp2_session* downstream,
                                         nghttp2_data_source_read_callback read_response,
                                         int32_t window) {
  std::unique_ptr<H2Relay> r(new H2Relay(fd, downstream, read_response));
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, &H2Relay::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cb, &H2Relay::OnHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &H2Relay::OnFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &H2Relay::OnDataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, &H2Relay::OnStreamClose);
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  const int rv = nghttp2_session_client_new2(&r->session_, cb, r.get(), opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  if (rv != 0) return nullptr;
  nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(window)},
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 1 << 20},
  };
  nghttp2_submit_settings(r->session_, NGHTTP2_FLAG_NONE, settings, 3);
  nghttp2_session_set_local_window_size(r->session_, NGHTTP2_FLAG_NONE, 0, window * 4);
  return r;
}

H2Relay::~H2Relay() {
  if (session_ != nullptr) nghttp2_session_del(session_);  // no callbacks
  close(fd_);
}

H2Relay::Stream* H2Relay::Find(int32_t down_id) {
  auto it = streams_.find(down_id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void H2Relay::MaybeErase(Stream* s) {
  if (s->down_closed && s->up_closed) streams_.erase(s->down_id);
}

bool H2Relay::OpenStream(int32_t down_id, const H2Headers& headers, bool end_stream) {
  auto s = std::make_unique<Stream>();
  s->down_id = down_id;
  s->up_eof = end_stream;
  std::vector<nghttp2_nv> nva = ToNv(headers);
  nghttp2_data_provider prd;
  prd.source.ptr = nullptr;
  prd.read_callback = &H2Relay::ReadRequest;
  const int32_t id =
      nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(), &prd, s.get());
  if (id < 0) return false;
  s->up_id = id;
  streams_[down_id] = std::move(s);
  return true;
}

void H2Relay::OnRequestData(int32_t down_id, const uint8_t* data, size_t len) {
  Stream* s = Find(down_id);
  if (s == nullptr || s->up_closed) {
    H2Consume(downstream_, down_id, len);  // nobody takes them: give the window back
    return;
  }
  if (s->up_off == s->up_buf.size()) {
    s->up_buf.clear();
    s->up_off = 0;
  }
  s->up_buf.append(reinterpret_cast<const char*>(data), len);
  nghttp2_session_resume_data(session_, s->up_id);
}

void H2Relay::OnRequestEnd(int32_t down_id) {
  Stream* s = Find(down_id);
  if (s == nullptr || s->up_closed) return;
  s->up_eof = true;
  nghttp2_session_resume_data(session_, s->up_id);
}

void H2Relay::OnDownstreamClose(int32_t down_id, uint32_t error_code) {
  Stream* s = Find(down_id);
  if (s == nullptr) return;
  s->down_closed = true;
  // Unsent response bytes: the downstream will never take them.
  if (!s->up_closed || s->DownPending() > 0) H2Consume(session_, s->up_id, s->DownPending());
  s->down_buf.clear();
  s->down_off = 0;
  // Request bytes that were never forwarded: give back the client's connection window.
  nghttp2_session_consume_connection(downstream_, s->UpPending());
  s->up_buf.clear();
  s->up_off = 0;
  if (!s->up_closed) {
    nghttp2_submit_rst_stream(
        session_, NGHTTP2_FLAG_NONE, s->up_id,
        error_code == NGHTTP2_NO_ERROR ? uint32_t{NGHTTP2_NO_ERROR} : uint32_t{NGHTTP2_CANCEL});
  }
  MaybeErase(s);
}

ssize_t H2Relay::ReadResponse(int32_t down_id, uint8_t* buf, size_t len, uint32_t* flags) {
  Stream* s = Find(down_id);
  if (s == nullptr || s->down_closed) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  const size_t n = std::min(len, s->DownPending());
  if (n > 0) {
    memcpy(buf, s->down_buf.data() + s->down_off, n);
    s->down_off += n;
    H2Consume(session_, s->up_id, n);
    if (s->down_off == s->down_buf.size()) {
      s->down_buf.clear();
      s->down_off = 0;
    }
  }
  if (s->DownPending() == 0) {
    if (s->has_trailers) {
      *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
      std::vector<nghttp2_nv> nva = ToNv(s->trailers);
      nghttp2_submit_trailer(downstream_, down_id, nva.data(), nva.size());
      return static_cast<ssize_t>(n);
    }
    if (s->down_eof) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      return static_cast<ssize_t>(n);
    }
    if (n == 0) return NGHTTP2_ERR_DEFERRED;
  }
  return static_cast<ssize_t>(n);
}

ssize_t H2Relay::ReadRequest(nghttp2_session* session, int32_t stream_id, uint8_t* buf, size_t len,
                             uint32_t* flags, nghttp2_data_source*, void* user) {
  auto* self = static_cast<H2Relay*>(user);
  auto* s = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, stream_id));
  if (s == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  const size_t n = std::min(len, s->UpPending());
  if (n > 0) {
    memcpy(buf, s->up_buf.data() + s->up_off, n);
    s->up_off += n;
    if (s->down_closed) {
      nghttp2_session_consume_connection(self->downstream_, n);
    } else {
      H2Consume(self->downstream_, s->down_id, n);
    }
  }
  if (s->UpPending() == 0) {
    s->up_buf.clear();
    s->up_off = 0;
    if (s->up_eof) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      return static_cast<ssize_t>(n);
    }
    if (n == 0) return NGHTTP2_ERR_DEFERRED;
  }
  return static_cast<ssize_t>(n);
}

int H2Relay::OnBeginHeaders(nghttp2_session* session, const nghttp2_frame* frame, void*) {
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  auto* s =
      static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
  if (s != nullptr) s->collecting.clear();
  return 0;
}

int H2Relay::OnHeader(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void*) {
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  auto* s =
      static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
  if (s == nullptr) return 0;
  s->collecting.emplace_back(std::string(reinterpret_cast<const char*>(name), namelen),
                             std::string(reinterpret_cast<const char*>(value), valuelen));
  return 0;
}

int H2Relay::OnFrameRecv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
  auto* self = static_cast<H2Relay*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
  auto* s =
      static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
  if (s == nullptr || s->down_closed) return 0;
  const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  if (frame->hd.type == NGHTTP2_HEADERS) {
    if (frame->headers.cat == NGHTTP2_HCAT_RESPONSE) {
      std::vector<nghttp2_nv> nva = ToNv(s->collecting);
      if (end_stream) {  // trailers-only
        s->finished = true;
        nghttp2_submit_response(self->downstream_, s->down_id, nva.data(), nva.size(), nullptr);
      } else {
        nghttp2_data_provider prd;
        prd.source.ptr = nullptr;
        prd.read_callback = self->read_response_;
        nghttp2_submit_response(self->downstream_, s->down_id, nva.data(), nva.size(), &prd);
      }
    } else if (frame->headers.cat == NGHTTP2_HCAT_HEADERS && end_stream) {  // trailers
      s->trailers = std::move(s->collecting);
      s->has_trailers = true;
      s->finished = true;
      nghttp2_session_resume_data(self->downstream_, s->down_id);
    }
    s->collecting.clear();
    return 0;
  }
  if (end_stream) {  // DATA with END_STREAM: a response without trailers
    s->down_eof = true;
    s->finished = true;
    nghttp2_session_resume_data(self->downstream_, s->down_id);
  }
  return 0;
}

int H2Relay::OnDataChunk(nghttp2_session* session, uint8_t, int32_t stream_id, const uint8_t* data,
                         size_t len, void* user) {
  auto* self = static_cast<H2Relay*>(user);
  auto* s = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, stream_id));
  if (s == nullptr || s->down_closed) {
    H2Consume(session, stream_id, len);
    return 0;
  }
  if (s->down_off == s->down_buf.size()) {
    s->down_buf.clear();
    s->down_off = 0;
  }
  s->down_buf.append(reinterpret_cast<const char*>(data), len);
  nghttp2_session_resume_data(self->downstream_, s->down_id);
  return 0;
}

int H2Relay::OnStreamClose(nghttp2_session* session, int32_t stream_id, uint32_t error_code,
                           void* user) {
  auto* self = static_cast<H2Relay*>(user);
  auto* s = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, stream_id));
  if (s == nullptr) return 0;
  s->up_closed = true;
  // Request bytes gRPC will never take.
  if (!s->down_closed) {
    H2Consume(self->downstream_, s->down_id, s->UpPending());
  }
  s->up_buf.clear();
  s->up_off = 0;
  if (!s->down_closed && !s->finished) {
    // Reset by gRPC (or closed without an answer): reset the client's stream too.
    nghttp2_submit_rst_stream(
        self->downstream_, NGHTTP2_FLAG_NONE, s->down_id,
        error_code == NGHTTP2_NO_ERROR ? uint32_t{NGHTTP2_INTERNAL_ERROR} : error_code);
    // The response body will never be sent: give its window back (the stream is gone).
    nghttp2_session_consume_connection(session, s->DownPending());
    s->down_buf.clear();
    s->down_off = 0;
  }
  self->MaybeErase(s);
  return 0;
}

bool H2Relay::Receive(const uint8_t* data, size_t len) {
  const ssize_t n = nghttp2_session_mem_recv(session_, data, len);
  return n >= 0;
}

bool H2Relay::Fill(std::string* out, size_t bound) {
  while (out->size() < bound) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) return false;
    if (n == 0) break;
    out->append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
  return true;
}

bool H2Relay::Finished() const {
  return nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0;
}

void H2Relay::ResetDownstream() {
  for (auto& [down_id, s] : streams_) {
    if (s->down_closed) continue;
    nghttp2_session_consume_connection(downstream_, s->UpPending());
    nghttp2_submit_rst_stream(downstream_, NGHTTP2_FLAG_NONE, down_id, NGHTTP2_INTERNAL_ERROR);
  }
  streams_.clear();
}

}  // namespace etcd::api
