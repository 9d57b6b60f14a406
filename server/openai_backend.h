// What the synthetic model answers to an OpenAI request: the same words as
// Realm streams (stream_words() of the prompt), one content chunk per word.
// Without max_tokens the answer is one sentence (finish "stop"); with it the
// words cycle until exactly max_tokens chunks (finish "length"). A stop
// string cuts the text before its first occurrence (finish "stop"), possibly
// in the middle of a word.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "openai_request.h"

namespace realm::server {

class TextPlan {
public:
    // `server_cap` is --max-tokens.
    TextPlan(const OpenAiRequest &request, uint64_t server_cap);

    uint64_t pieces() const { return pieces_; }
    // Piece k (< pieces()), JSON-escaped without the quotes.
    std::string_view piece_json(uint64_t k) const;
    const char *finish_reason() const { return finish_; }

private:
    void apply_stop(const std::vector<std::string> &stops);

    std::vector<std::string> words_;       // raw words, cycled
    std::vector<std::string> words_json_;  // the same, escaped
    uint64_t pieces_ = 0;
    std::string cut_json_;  // escaped text of the last piece when a stop string cut it
    bool cut_ = false;
    const char *finish_ = "stop";
};

// Escapes `s` as the inside of a JSON string literal (no quotes).
std::string json_escape(std::string_view s);

}  // namespace realm::server
