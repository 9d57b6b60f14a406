// The byte side of one HTTP/1.1 response written through lws: the status
// line and headers (built here, written raw, because lws's header helpers
// cannot express the faults), then the body, framed with chunked transfer
// encoding or sent as is (Content-Length). One lws_write per call of
// write_some(), each holding at most one batch, so the producer (a stream)
// only makes more when the socket took the previous batch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <libwebsockets.h>

namespace realm::server {

const char *http_reason(int status);

// "HTTP/1.1 <status> <reason>" + Content-Type (when not empty) + `extra`
// (complete header lines) + Content-Length or Transfer-Encoding: chunked.
std::string http_head(int status, std::string_view content_type, std::optional<uint64_t> content_length,
                      std::string_view extra = {});

class HttpOutput {
public:
    // Starts a response: `head` from http_head(); `chunked` frames the body;
    // `max_piece` > 0 caps the body bytes per write (and per HTTP chunk).
    void begin(std::string head, bool chunked, uint64_t max_piece = 0);
    void append(std::string_view body) { body_.append(body.data(), body.size()); }
    // No more body: a chunked response gets its terminating chunk.
    void finish() { finishing_ = true; }

    size_t backlog() const { return head_.size() + body_.size() - body_off_; }
    // Everything queued so far is written.
    bool drained() const { return backlog() == 0 && (!chunked_ || !finishing_ || terminated_); }
    bool done() const { return finishing_ && drained(); }

    // Writes the head, or the next batch of body. -1 when lws failed.
    int write_some(lws *wsi);

private:
    std::string head_;
    std::string body_;
    size_t body_off_ = 0;
    bool chunked_ = false;
    uint64_t max_piece_ = 0;
    bool finishing_ = false;
    bool terminated_ = false;
    std::string buf_;
};

}  // namespace realm::server
