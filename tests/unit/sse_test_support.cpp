// The helpers of sse_test_support.h.
#include "sse_test_support.h"

#include <cstring>
#include <memory>
#include <string_view>

namespace realm::protocol::sse_test {

using Mode = SseParser::Mode;
using Status = SseParser::Status;

std::ostream &operator<<(std::ostream &os, const Ev &e) {
    return os << "{event=\"" << e.event << "\" data=\"" << e.data << "\" id=\"" << e.id << "\"}";
}

Parsed parse_pieces(const std::vector<std::string> &pieces, Mode mode, size_t max) {
    SseParser p(max, mode);
    Parsed r;
    auto cb = [&](const SseEvent &e) {
        r.events.push_back({std::string(e.event), std::string(e.data), std::string(e.id)});
        return true;
    };
    for (const auto &piece : pieces) {
        std::unique_ptr<char[]> copy(new char[piece.size() + 1]);
        std::memcpy(copy.get(), piece.data(), piece.size());
        r.status = p.feed(std::string_view(copy.get(), piece.size()), cb);
        std::memset(copy.get(), '#', piece.size());  // stale views would now read '#'
        if (r.status != Status::Ok) break;
    }
    r.cut = p.finish();
    return r;
}

Parsed parse(const std::string &body, Mode mode, size_t max) {
    return parse_pieces({body}, mode, max);
}

std::vector<std::string> datas(const Parsed &r) {
    std::vector<std::string> out;
    for (const auto &e : r.events) out.push_back(e.data);
    return out;
}

}  // namespace realm::protocol::sse_test
