#include "openai_backend.h"

#include <algorithm>

#include "backend.h"
#include "protocol/realm_wire.h"

namespace realm::server {

std::string json_escape(std::string_view s) {
    std::string quoted;
    wire::append_json_string(quoted, s);
    return quoted.substr(1, quoted.size() - 2);
}

TextPlan::TextPlan(const OpenAiRequest &request, uint64_t server_cap) {
    words_ = stream_words(request.prompt);
    for (const auto &w : words_) words_json_.push_back(json_escape(w));
    uint64_t wanted = request.max_tokens ? *request.max_tokens : words_.size();
    pieces_ = std::min(wanted, server_cap);
    finish_ = (request.max_tokens || pieces_ < words_.size()) ? "length" : "stop";
    if (!request.stop.empty()) apply_stop(request.stop);
}

// The text is periodic (the sentence S repeated), so a stop string that
// occurs anywhere occurs first at a start position inside the first copy of
// S: searching S repeated enough to hold one full occurrence is exact.
void TextPlan::apply_stop(const std::vector<std::string> &stops) {
    std::string sentence;
    std::vector<uint64_t> start;  // start offset of each word in S
    for (const auto &w : words_) {
        start.push_back(sentence.size());
        sentence += w;
    }
    const uint64_t period = sentence.size();
    const uint64_t n = words_.size();
    auto offset_of = [&](uint64_t k) { return (k / n) * period + start[k % n]; };  // start of piece k
    const uint64_t total = pieces_ ? offset_of(pieces_ - 1) + words_[(pieces_ - 1) % n].size() : 0;

    uint64_t cut = UINT64_MAX;
    for (const auto &stop : stops) {
        std::string hay;
        while (hay.size() < period + stop.size()) hay += sentence;
        size_t p = hay.find(stop);
        // Only a stop string generated in full stops the text.
        if (p != std::string::npos && p + stop.size() <= total) cut = std::min<uint64_t>(cut, p);
    }
    if (cut == UINT64_MAX) return;
    finish_ = "stop";
    // Pieces wholly before the cut, then the partial piece (if any).
    uint64_t k = 0;
    uint64_t lo = 0, hi = pieces_;
    while (lo < hi) {  // first piece whose end passes the cut
        uint64_t mid = lo + (hi - lo) / 2;
        if (offset_of(mid) + words_[mid % n].size() <= cut)
            lo = mid + 1;
        else
            hi = mid;
    }
    k = lo;
    uint64_t into = cut - offset_of(k);
    if (into == 0) {
        pieces_ = k;
        return;
    }
    pieces_ = k + 1;
    cut_ = true;
    cut_json_ = json_escape(std::string_view(words_[k % n]).substr(0, into));
}

std::string_view TextPlan::piece_json(uint64_t k) const {
    if (cut_ && k + 1 == pieces_) return cut_json_;
    return words_json_[k % words_json_.size()];
}

}  // namespace realm::server
