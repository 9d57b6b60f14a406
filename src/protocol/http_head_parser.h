// Incremental reader of an HTTP/1.1 response head (RFC 9112 4-6): the status
// line and the header fields, split across reads anywhere, up to the empty
// line. It reports what the client needs to frame the body and to decide
// whether the connection may carry another exchange. Kept apart from the
// socket code so that every case can be tested (and fuzzed) without one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace realm::protocol {

// How the body of a response ends (RFC 9112 6.3).
enum class BodyFraming {
    None,            // 1xx, 204, 304, or a response to HEAD: no body at all
    Length,          // Content-Length bytes
    Chunked,         // chunked transfer coding, up to the last chunk
    UntilClose,      // everything until the server closes
};

struct HttpHead {
    int status = 0;
    int minor_version = 1;          // HTTP/1.<minor>
    BodyFraming framing = BodyFraming::UntilClose;
    uint64_t content_length = 0;    // when framing == Length
    bool connection_close = false;  // the server will close after this response
    std::string content_type;       // as sent ("" if absent)
    std::string retry_after;        // as sent ("" if absent)
};

class HttpHeadParser {
public:
    enum class Status {
        More,     // the head goes on
        Done,     // complete: head() is valid; consumed() bytes of the last feed were head
        Invalid,  // malformed or too large: error() says why
    };

    explicit HttpHeadParser(size_t max_head_bytes = 64 * 1024) : max_(max_head_bytes) {}

    // Reads the next bytes. After Done, the bytes past consumed() are the
    // body (or the next response). Done and Invalid are final until reset().
    Status feed(std::string_view bytes, bool request_was_head = false);
    void reset();

    const HttpHead &head() const { return head_; }
    size_t consumed() const { return consumed_; }
    const std::string &error() const { return error_; }

private:
    Status finish(bool request_was_head);
    Status fail(std::string why);
    bool parse_status_line(std::string_view line);
    bool parse_field(std::string_view line);

    size_t max_;
    std::string buf_;       // the head read so far
    size_t scanned_ = 0;    // bytes of buf_ already searched for the end
    size_t consumed_ = 0;
    Status state_ = Status::More;
    HttpHead head_;
    std::string error_;
    bool has_length_ = false;
    bool chunked_ = false;
    bool has_transfer_encoding_ = false;
    bool keep_alive_token_ = false;  // "Connection: keep-alive" (HTTP/1.0)
};

}  // namespace realm::protocol
