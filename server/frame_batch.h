// Hand-framed WebSocket output. Server frames are unmasked and unfragmented,
// so many of them can be concatenated and handed to lws in one LWS_WRITE_RAW
// write: one syscall for hundreds of token frames instead of one each.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace realm::server {

inline constexpr uint8_t kOpText = 0x1;
inline constexpr uint8_t kOpBinary = 0x2;
inline constexpr uint8_t kOpClose = 0x8;

class FrameBatch {
public:
    FrameBatch();
    // Empties the batch (keeps the LWS_PRE headroom and the capacity).
    void reset();
    // Appends one complete frame (FIN set) carrying `payload`.
    void add(uint8_t opcode, std::string_view payload);
    // Appends one message as a first frame plus continuation frames of at
    // most `chunk` payload bytes each (RFC 6455 fragmentation).
    void add_fragmented(uint8_t opcode, std::string_view payload, size_t chunk);
    // Appends bytes as they are (an already framed frame).
    void add_raw(std::string_view bytes);

    size_t size() const;  // framed bytes, without the headroom
    bool empty() const { return size() == 0; }
    unsigned char *data();  // first framed byte; LWS_PRE writable bytes precede it

    // Scratch space for building one payload without allocating.
    std::string &scratch() { return scratch_; }

private:
    void add_frame(uint8_t first_byte, std::string_view payload);
    std::string buf_;
    std::string scratch_;
};

}  // namespace realm::server
