// Reassembles WebSocket messages from lws RECEIVE chunks (lws hands over
// pieces of at most rx_buffer_size bytes, and fragmented messages frame by
// frame) and enforces the size cap while doing so.
#pragma once

#include <cstdint>
#include <string>

#include <libwebsockets.h>

namespace realm::server {

class WsMessage {
public:
    enum class Result { Partial, Complete, TooBig };

    // Adds one RECEIVE chunk; Complete means take() has the whole message.
    Result add(lws *wsi, const void *in, size_t len, uint64_t max_size) {
        if (lws_is_first_fragment(wsi)) {
            buf_.clear();
            binary_ = lws_frame_is_binary(wsi) != 0;
        }
        if (buf_.size() + len > max_size) return Result::TooBig;
        buf_.append(static_cast<const char *>(in), len);
        if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) return Result::Partial;
        return Result::Complete;
    }
    std::string take() {
        std::string out;
        out.swap(buf_);
        return out;
    }
    bool binary() const { return binary_; }

private:
    std::string buf_;
    bool binary_ = false;
};

// Sets the close code and reason lws sends when the callback then returns
// -1 (server side: safe from RECEIVE and WRITEABLE), and returns -1.
inline int close_with(lws *wsi, uint16_t code, const std::string &reason) {
    std::string r = reason;
    lws_close_reason(wsi, static_cast<lws_close_status>(code), reinterpret_cast<unsigned char *>(r.data()), r.size());
    return -1;
}

}  // namespace realm::server
