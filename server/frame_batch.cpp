#include "frame_batch.h"

#include <algorithm>

#include <libwebsockets.h>

namespace realm::server {

FrameBatch::FrameBatch() { reset(); }

void FrameBatch::reset() { buf_.assign(LWS_PRE, '\0'); }

void FrameBatch::add(uint8_t opcode, std::string_view payload) { add_frame(0x80 | opcode, payload); }

void FrameBatch::add_fragmented(uint8_t opcode, std::string_view payload, size_t chunk) {
    if (chunk == 0) chunk = 1;
    size_t at = 0;
    do {
        size_t n = std::min(chunk, payload.size() - at);
        bool last = at + n == payload.size();
        uint8_t op = at == 0 ? opcode : 0;  // 0 = continuation
        add_frame(static_cast<uint8_t>((last ? 0x80 : 0) | op), payload.substr(at, n));
        at += n;
    } while (at < payload.size());
}

void FrameBatch::add_frame(uint8_t first_byte, std::string_view payload) {
    char header[10];
    size_t n = 0;
    uint64_t len = payload.size();
    header[n++] = static_cast<char>(first_byte);
    if (len < 126) {
        header[n++] = static_cast<char>(len);
    } else if (len <= 0xFFFF) {
        header[n++] = 126;
        header[n++] = static_cast<char>(len >> 8);
        header[n++] = static_cast<char>(len);
    } else {
        header[n++] = 127;
        for (int shift = 56; shift >= 0; shift -= 8) header[n++] = static_cast<char>(len >> shift);
    }
    buf_.append(header, n);
    buf_.append(payload.data(), payload.size());
}

void FrameBatch::add_raw(std::string_view bytes) { buf_.append(bytes.data(), bytes.size()); }

size_t FrameBatch::size() const { return buf_.size() - LWS_PRE; }

unsigned char *FrameBatch::data() { return reinterpret_cast<unsigned char *>(&buf_[LWS_PRE]); }

}  // namespace realm::server
