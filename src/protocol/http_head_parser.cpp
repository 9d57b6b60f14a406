#include "http_head_parser.h"

#include "chunked_decoder.h"
#include "http_text.h"

namespace realm::protocol {
namespace {

using http_text::iequals;
using http_text::is_digit;
using http_text::trim_ows;

// Calls fn on each comma-separated element of a list-valued field, trimmed.
template <typename Fn>
void for_each_element(std::string_view value, Fn fn) {
    while (!value.empty()) {
        size_t comma = value.find(',');
        fn(trim_ows(value.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
}

}  // namespace

void HttpHeadParser::reset() {
    buf_.clear();
    scanned_ = 0;
    consumed_ = 0;
    state_ = Status::More;
    head_ = HttpHead();
    error_.clear();
    has_length_ = chunked_ = has_transfer_encoding_ = keep_alive_token_ = false;
}

HttpHeadParser::Status HttpHeadParser::fail(std::string why) {
    error_ = std::move(why);
    state_ = Status::Invalid;
    return state_;
}

HttpHeadParser::Status HttpHeadParser::feed(std::string_view bytes, bool request_was_head) {
    if (state_ != Status::More) return state_;
    size_t before = buf_.size();
    // Look for the end only in what is new (plus the three bytes before it,
    // where "\r\n\r" may already be).
    size_t room = max_ - before;
    buf_.append(bytes.substr(0, room));
    for (size_t i = scanned_ >= 3 ? scanned_ - 3 : 0; i < buf_.size(); ++i) {
        if (buf_[i] != '\n') continue;
        // An empty line: "\n\n" or "\n\r\n" (bare LF line ends are accepted).
        size_t end = 0;
        if (i + 1 < buf_.size() && buf_[i + 1] == '\n') end = i + 2;
        else if (i + 2 < buf_.size() && buf_[i + 1] == '\r' && buf_[i + 2] == '\n') end = i + 3;
        if (!end) continue;
        consumed_ = end - before;
        buf_.resize(end);
        return finish(request_was_head);
    }
    scanned_ = buf_.size();
    if (buf_.size() >= max_) return fail("response head larger than " + std::to_string(max_) + " bytes");
    return state_;
}

bool HttpHeadParser::parse_status_line(std::string_view line) {
    // HTTP/1.x SP 3DIGIT [SP reason]
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || !is_digit(line[7]) || line[8] != ' ') return false;
    head_.minor_version = line[7] - '0';
    if (!is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11])) return false;
    if (line.size() > 12 && line[12] != ' ') return false;
    head_.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    return head_.status >= 100;
}

bool HttpHeadParser::parse_field(std::string_view line) {
    if (line.front() == ' ' || line.front() == '\t') return true;  // obsolete folding: no field we read uses it
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    std::string_view name = line.substr(0, colon);
    if (name.find_first_of(" \t") != std::string_view::npos) return false;  // RFC 9112 5.1: reject
    std::string_view value = trim_ows(line.substr(colon + 1));

    if (iequals(name, "content-length")) {
        bool ok = true;
        for_each_element(value, [&](std::string_view v) {
            uint64_t n = 0;
            if (v.empty() || v.size() > 18) ok = false;
            for (char c : v) {
                if (!is_digit(c)) ok = false;
                n = n * 10 + uint64_t(c - '0');
            }
            if (ok && has_length_ && n != head_.content_length) ok = false;  // differing lengths
            head_.content_length = n;
            has_length_ = true;
        });
        return ok;
    }
    if (iequals(name, "transfer-encoding")) {
        has_transfer_encoding_ = true;
        chunked_ = ends_with_chunked(value);  // the last field's last coding decides
        return true;
    }
    if (iequals(name, "connection")) {
        for_each_element(value, [&](std::string_view token) {
            if (iequals(token, "close")) head_.connection_close = true;
            if (iequals(token, "keep-alive")) keep_alive_token_ = true;
        });
        return true;
    }
    if (iequals(name, "content-type")) head_.content_type = std::string(value);
    else if (iequals(name, "retry-after")) head_.retry_after = std::string(value);
    return true;
}

HttpHeadParser::Status HttpHeadParser::finish(bool request_was_head) {
    std::string_view rest(buf_);
    bool first = true;
    while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find('\0') != std::string_view::npos) return fail("NUL byte in the response head");
        if (first) {
            if (!parse_status_line(line)) {
                std::string shown(line.substr(0, 40));
                for (char &c : shown)
                    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
                return fail("not an HTTP/1.x status line: \"" + shown + "\"");
            }
            first = false;
            continue;
        }
        if (line.empty()) break;
        if (!parse_field(line)) return fail("malformed header field in the response head");
    }

    int s = head_.status;
    if (s < 200 || s == 204 || s == 304 || request_was_head) {
        head_.framing = BodyFraming::None;
    } else if (has_transfer_encoding_) {
        head_.framing = chunked_ ? BodyFraming::Chunked : BodyFraming::UntilClose;
        if (has_length_) head_.connection_close = true;  // RFC 9112 6.3: do not trust this connection
    } else if (has_length_) {
        head_.framing = BodyFraming::Length;
    } else {
        head_.framing = BodyFraming::UntilClose;
    }
    if (head_.framing == BodyFraming::UntilClose) head_.connection_close = true;
    if (head_.minor_version == 0 && !keep_alive_token_) head_.connection_close = true;
    state_ = Status::Done;
    return state_;
}

}  // namespace realm::protocol
