// The members of a ws-system frame (ws-system.md 2-4) that the client reads,
// without building a tree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace realm::protocol::ws_system {

struct Frame {
    std::string_view type, id, token, model, code, request_id, challenge;
    std::string_view error;       // the `error` text (an object's `message`, else its JSON)
    std::string_view models;      // raw JSON of `models`
    bool has_id = false;
    bool has_success = false, success = false;
    bool is_cancelled = false;
    int64_t total_tokens = -1;
    bool has_elapsed = false;
    double elapsed_ms = 0;
    int64_t retry_after_s = -1;
    int64_t remaining_attempts = -1;
};

// Reads one message into `out` (views into `message` or `arena`). False, with
// *problem, when it is not a JSON object with a string `type`.
bool read_frame(std::string_view message, std::string &arena, Frame &out, std::string *problem);

}  // namespace realm::protocol::ws_system
