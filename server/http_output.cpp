#include "http_output.h"

#include <algorithm>
#include <cstdio>

namespace realm::server {
namespace {

constexpr size_t kBatch = 64 * 1024;

}  // namespace

const char *http_reason(int status) {
    switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 204: return "No Content";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 413: return "Payload Too Large";
        case 422: return "Unprocessable Entity";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        default: return "Status";
    }
}

std::string http_head(int status, std::string_view content_type, std::optional<uint64_t> content_length,
                      std::string_view extra) {
    std::string h = "HTTP/1.1 " + std::to_string(status) + " " + http_reason(status) + "\r\n";
    if (!content_type.empty()) {
        h += "Content-Type: ";
        h += content_type;
        h += "\r\n";
    }
    h += extra;
    if (content_length)
        h += "Content-Length: " + std::to_string(*content_length) + "\r\n";
    else
        h += "Transfer-Encoding: chunked\r\n";
    h += "\r\n";
    return h;
}

void HttpOutput::begin(std::string head, bool chunked, uint64_t max_piece) {
    head_ = std::move(head);
    body_.clear();
    body_off_ = 0;
    chunked_ = chunked;
    max_piece_ = max_piece;
    finishing_ = false;
    terminated_ = false;
}

int HttpOutput::write_some(lws *wsi) {
    buf_.assign(LWS_PRE, '\0');
    lws_write_protocol proto = LWS_WRITE_HTTP;
    if (!head_.empty()) {
        buf_ += head_;
        head_.clear();
        proto = LWS_WRITE_HTTP_HEADERS;
    } else {
        size_t n = std::min(body_.size() - body_off_, max_piece_ ? static_cast<size_t>(max_piece_) : kBatch);
        if (n) {
            if (chunked_) {
                char size_line[24];
                int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", n);
                buf_.append(size_line, static_cast<size_t>(len));
            }
            buf_.append(body_, body_off_, n);
            if (chunked_) buf_ += "\r\n";
            body_off_ += n;
            if (body_off_ == body_.size() || body_off_ > (1u << 20)) {  // compact now and then
                body_.erase(0, body_off_);
                body_off_ = 0;
            }
        }
        // The terminating chunk goes with the last piece, unless pieces are
        // capped (then it is a write of its own).
        if (chunked_ && finishing_ && !terminated_ && body_off_ == body_.size() && (!n || !max_piece_)) {
            buf_ += "0\r\n\r\n";
            terminated_ = true;
        }
    }
    size_t len = buf_.size() - LWS_PRE;
    if (!len) return 0;
    return lws_write(wsi, reinterpret_cast<unsigned char *>(&buf_[LWS_PRE]), len, proto) < 0 ? -1 : 0;
}

}  // namespace realm::server
