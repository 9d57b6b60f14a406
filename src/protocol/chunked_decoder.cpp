// The chunked-body state machine (RFC 9112 7.1): one byte decides each state
// change, except chunk data, which is passed on in runs as large as the
// input allows so that a streamed body is not copied or cut up further.
#include "chunked_decoder.h"

#include <algorithm>
#include <cctype>

namespace realm::protocol {

bool ends_with_chunked(std::string_view te) {
    while (!te.empty() && (te.back() == ' ' || te.back() == '\t')) te.remove_suffix(1);
    size_t comma = te.rfind(',');
    std::string_view last = comma == std::string_view::npos ? te : te.substr(comma + 1);
    while (!last.empty() && (last.front() == ' ' || last.front() == '\t')) last.remove_prefix(1);
    constexpr std::string_view kChunked = "chunked";
    return last.size() == kChunked.size() &&
           std::equal(last.begin(), last.end(), kChunked.begin(),
                      [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) == y; });
}

ChunkedDecoder::Status ChunkedDecoder::feed(std::string_view bytes,
                                            const std::function<bool(std::string_view)> &on_data) {
    if (state_ == kDone) {
        bytes_after_end_ |= !bytes.empty();
        return Status::End;
    }
    if (state_ == kBad) return Status::Invalid;
    auto fail = [this] {
        state_ = kBad;
        return Status::Invalid;
    };
    for (size_t i = 0; i < bytes.size();) {
        char c = bytes[i];
        switch (state_) {
            case kSize:
                if (std::isxdigit(static_cast<unsigned char>(c))) {
                    if (chunk_left_ >> 56) return fail();  // the next digit would overflow
                    chunk_left_ = chunk_left_ * 16 + (std::isdigit(static_cast<unsigned char>(c))
                                                          ? c - '0'
                                                          : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
                } else if (c == ';' || c == ' ' || c == '\t') {
                    state_ = kExt;
                } else if (c == '\r') {
                    state_ = kSizeLf;
                } else {
                    return fail();
                }
                break;
            case kExt:
                if (c == '\r') state_ = kSizeLf;
                break;
            case kSizeLf:
                if (c != '\n') return fail();
                state_ = chunk_left_ ? kData : kLineStart;
                break;
            case kData: {
                size_t n = static_cast<size_t>(std::min<unsigned long long>(chunk_left_, bytes.size() - i));
                bool go_on = on_data(bytes.substr(i, n));
                chunk_left_ -= n;
                i += n;
                if (!chunk_left_) state_ = kDataCr;
                if (!go_on) return Status::More;
                continue;
            }
            case kDataCr:
                if (c != '\r') return fail();
                state_ = kDataLf;
                break;
            case kDataLf:
                if (c != '\n') return fail();
                state_ = kSize;
                break;
            case kLineStart:  // after the last chunk: trailer fields, then an empty line
                state_ = c == '\r' ? kEndLf : kTrailer;
                break;
            case kTrailer:
                if (c == '\n') state_ = kLineStart;
                break;
            case kEndLf:
                if (c != '\n') return fail();
                state_ = kDone;
                bytes_after_end_ = i + 1 < bytes.size();
                return Status::End;
            case kDone:
                return Status::End;
            case kBad:
                return Status::Invalid;
        }
        ++i;
    }
    return Status::More;
}

}  // namespace realm::protocol
