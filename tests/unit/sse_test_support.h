// What the SseParser tests share: events copied out of the parser's views, and
// parse helpers that feed a body whole or in pieces.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "protocol/sse_parser.h"

namespace realm::protocol::sse_test {

struct Ev {
    std::string event, data, id;
    bool operator==(const Ev &o) const { return event == o.event && data == o.data && id == o.id; }
};

std::ostream &operator<<(std::ostream &os, const Ev &e);

struct Parsed {
    std::vector<Ev> events;
    SseParser::Status status = SseParser::Status::Ok;
    bool cut = false;  // finish()
};

constexpr size_t kBig = 1 << 20;

// Feeds each piece from its own heap copy, destroyed right after feed(), so a
// view kept past its chunk is a use-after-free under ASan.
Parsed parse_pieces(const std::vector<std::string> &pieces, SseParser::Mode mode = SseParser::Mode::Events,
                    size_t max = kBig);

// The body in one piece.
Parsed parse(const std::string &body, SseParser::Mode mode = SseParser::Mode::Events, size_t max = kBig);

// The data of each event.
std::vector<std::string> datas(const Parsed &r);

}  // namespace realm::protocol::sse_test
