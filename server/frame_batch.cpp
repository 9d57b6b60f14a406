#include "frame_batch.h"

#include <libwebsockets.h>

namespace realm::server {

FrameBatch::FrameBatch() { reset(); }

void FrameBatch::reset() { buf_.assign(LWS_PRE, '\0'); }

void FrameBatch::add(uint8_t opcode, std::string_view payload) {
    char header[10];
    size_t n = 0;
    uint64_t len = payload.size();
    header[n++] = static_cast<char>(0x80 | opcode);
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
