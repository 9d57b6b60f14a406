// The data path of an HttpConnection: the request body out (in pieces, with
// lws's upload timeout), the response head and body in, and the decision of
// when a body is complete. What lws 4.1.6 does on each of these callbacks is
// described at the top of http_connection.cpp.
#include "http_connection.h"

#include <libwebsockets.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "protocol/chunked_decoder.h"

namespace realm::transport {
namespace {

constexpr size_t kBodyPiece = 65536;        // lws_issue_raw sends at most rx_buffer_size at once
constexpr int kMaxPiecesPerCallback = 16;   // then let other sockets have the loop
constexpr int kUploadStallSecs = 60;
constexpr size_t kRxBufferSize = 65536;

// One read buffer for every connection: reads happen one at a time on the
// loop thread and lws_http_client_read delivers before it returns.
char g_rx[kRxBufferSize];

std::string header_value(struct lws *wsi, enum lws_token_indexes token) {
    int n = lws_hdr_total_length(wsi, token);
    if (n <= 0) return {};
    std::string value(size_t(n) + 1, '\0');
    int got = lws_hdr_copy(wsi, &value[0], n + 1, token);
    value.resize(got > 0 ? size_t(got) : 0);
    return value;
}

}  // namespace

int HttpConnection::on_writable() {
    if (finished_) return -1;  // detached or over: close now
    if (has_body_ && !body_done_) {
        size_t total = body_.size() - kSendHeadroom;
        for (int n = 0; body_sent_ < total;) {
            size_t len = std::min(kBodyPiece, total - body_sent_);
            // In place: lws may use the LWS_PRE bytes in front, which are
            // headroom or body bytes already sent.
            auto *p = reinterpret_cast<unsigned char *>(&body_[kSendHeadroom + body_sent_]);
            bool last = body_sent_ + len == total;
            if (lws_write(wsi_, p, len, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < static_cast<int>(len)) {
                fail_reason_ = "could not send the request body to " + target_;
                return -1;
            }
            body_sent_ += len;
            // A partial send leaves the rest in lws's buffer; WRITEABLE comes
            // again once it has drained. Each choke check is a poll().
            if (++n == kMaxPiecesPerCallback || lws_partial_buffered(wsi_) ||
                (body_sent_ < total && lws_send_pipe_choked(wsi_)))
                break;
        }
        if (body_sent_ < total) {
            lws_set_timeout(wsi_, PENDING_TIMEOUT_CLIENT_ISSUE_PAYLOAD, kUploadStallSecs);
            lws_callback_on_writable(wsi_);
            return 0;
        }
        body_done_ = true;
        body_ = std::string();
        lws_client_http_body_pending(wsi_, 0);
        lws_set_timer_usecs(wsi_, 1);  // see on_request_sent()
    }
    return 0;
}

// LWS_CALLBACK_TIMER, armed when the last byte of the request was handed to
// lws. lws then moves to LRS_WAITING_SERVER_REPLY under a 5 s
// PENDING_TIMEOUT_AWAITING_SERVER_RESPONSE, in the same service call, after
// our callback returned; the timer runs on the next pass. A model can take
// longer than 5 s to answer: the core owns request timeouts. (A WRITEABLE
// would not do: lws 4.1.6 drops POLLOUT for a client waiting for its head.)
void HttpConnection::on_request_sent() {
    if (finished_ || head_seen_ || response_timeout_cancelled_) return;
    response_timeout_cancelled_ = true;
    lws_set_timeout(wsi_, NO_PENDING_TIMEOUT, 0);
}

int HttpConnection::on_established() {
    head_seen_ = true;
    HttpResponseHead head;
    head.status = static_cast<int>(lws_http_client_http_response(wsi_));
    head.content_type = header_value(wsi_, WSI_TOKEN_HTTP_CONTENT_TYPE);
    head.retry_after = header_value(wsi_, WSI_TOKEN_HTTP_RETRY_AFTER);
    std::string te = header_value(wsi_, WSI_TOKEN_HTTP_TRANSFER_ENCODING);
    lws_chunked_ = te == "chunked";  // lws's own test
    own_dechunk_ = !lws_chunked_ && !te.empty() && protocol::ends_with_chunked(te);
    bool has_length = lws_hdr_total_length(wsi_, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;
    if (head.status < 200) {
        // An interim response (103 Early Hints; 100 Continue, which we never
        // ask for): lws 4.1.6 takes it for the final one and would read the
        // real response as its body.
        fail_reason_ = "unsupported interim response (HTTP status " + std::to_string(head.status) + ") from " + target_;
        CloseInfo info;
        info.reason = fail_reason_;
        finish(std::move(info));
        kill();
        return 0;
    }
    bool no_body = head.status == 204 || head.status == 304;
    if (handler_) handler_->on_response_head(head);
    if (finished_) return 0;  // detached meanwhile: kill() is on its way
    if (no_body && !has_length) {
        finish_complete();
        kill();
    }
    return 0;
}

int HttpConnection::on_receive() {
    char *buf = g_rx;
    int len = static_cast<int>(sizeof g_rx);
    in_read_ = true;
    completed_in_read_ = false;
    int rc = lws_http_client_read(wsi_, &buf, &len);
    in_read_ = false;
    if (completed_in_read_) {
        // rc < 0 here means lws took the end of the stream for the end of the
        // body: right for a close-delimited body, not for a chunked one.
        if ((rc >= 0 || !lws_chunked_) && !own_dechunk_) {
            finish_complete();
        } else {
            CloseInfo info;
            info.reason = "connection closed before the response was complete (in a chunked body)";
            finish(std::move(info));
        }
        return -1;  // close now: the connection is never reused
    }
    if (rc < 0 || finished_) return -1;
    return 0;
}

void HttpConnection::on_body_bytes(const char *data, size_t len) {
    if (finished_ || !handler_ || !len) return;
    if (own_dechunk_) {
        auto status = dechunker_.feed(std::string_view(data, len), [this](std::string_view piece) {
            handler_->on_body(piece);
            return !finished_;  // detached meanwhile
        });
        if (status == protocol::ChunkedDecoder::Status::Invalid) {
            CloseInfo info;
            info.reason = "invalid chunked encoding in the response body from " + target_;
            finish(std::move(info));
        } else if (status == protocol::ChunkedDecoder::Status::End) {
            finish_complete();  // on_receive() closes the connection
        }
        return;
    }
    handler_->on_body(std::string_view(data, len));
}

void HttpConnection::on_completed() {
    if (finished_) return;
    if (in_read_) {
        completed_in_read_ = true;  // judged by on_receive() once the read returns
        return;
    }
    // Content-Length: 0, seen while lws parsed the head.
    finish_complete();
    kill();
}

}  // namespace realm::transport
