// Incremental decoder of an HTTP/1.1 chunked body (RFC 9112 7.1). lws
// de-chunks only bodies whose Transfer-Encoding is exactly "chunked"; the
// HTTP connection runs this one for every other spelling. Kept apart from the
// lws code so that every framing case can be tested without a socket.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace realm::protocol {

// True when the last transfer coding of a Transfer-Encoding value is
// "chunked" (any case): the body is then chunked, whatever came before it
// (RFC 9112 6.1).
bool ends_with_chunked(std::string_view transfer_encoding);

class ChunkedDecoder {
public:
    enum class Status {
        More,     // the body goes on (or the consumer stopped)
        End,      // the last chunk and the trailer section are complete
        Invalid,  // malformed framing
    };

    // Decodes the next bytes of the body, split anywhere. Each run of chunk
    // data goes to on_data (the view is valid during the call only); when
    // on_data returns false (the consumer is gone) feed() stops at once and
    // returns More. Chunk extensions and trailer fields are skipped. Bytes
    // after the end are ignored. End and Invalid are final: later calls
    // return them again.
    Status feed(std::string_view bytes, const std::function<bool(std::string_view)> &on_data);

    // After End: whether bytes followed the end of the body (a connection
    // carrying them cannot be reused for another exchange).
    bool bytes_after_end() const { return bytes_after_end_; }

private:
    enum State { kSize, kExt, kSizeLf, kData, kDataCr, kDataLf, kLineStart, kTrailer, kEndLf, kDone, kBad };

    State state_ = kSize;
    unsigned long long chunk_left_ = 0;  // data bytes of the current chunk still to come
    bool bytes_after_end_ = false;
};

}  // namespace realm::protocol
