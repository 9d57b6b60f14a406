#include "sse_parser.h"

#include <cstring>

namespace realm::protocol {
namespace {

constexpr unsigned char kBom[3] = {0xEF, 0xBB, 0xBF};

const char *find_byte(const char *from, const char *end, char c) {
    const void *hit = std::memchr(from, c, size_t(end - from));
    return hit ? static_cast<const char *>(hit) : end;
}

}  // namespace

// Line scanning: the next LF and the next CR of the chunk are each found with
// memchr and remembered until the scan passes them, so a stream that uses only
// one kind of line end is read in two linear passes, never one per line.
//
// Ownership of the data buffer: while an event's data is one line of the
// current chunk (the common case), data_ is a view of that line and nothing is
// copied. A second data line, or the end of the chunk with the event still
// open, copies it into data_buf_, whose capacity is reused event after event.
SseParser::Status SseParser::feed(std::string_view bytes, const Callback &on_event) {
    if (status_ != Status::Ok || stopped_ || bytes.empty()) return status_;
    const char *p = bytes.data();
    const char *const end = p + bytes.size();

    if (bom_pending_) {
        while (p < end && bom_matched_ < 3 && static_cast<unsigned char>(*p) == kBom[bom_matched_]) {
            ++p;
            ++bom_matched_;
        }
        if (bom_matched_ < 3 && p == end) return Status::Ok;  // still maybe a BOM
        if (bom_matched_ < 3 && bom_matched_ > 0) {
            // Not a BOM after all: the bytes taken so far start the first line.
            line_.assign(reinterpret_cast<const char *>(kBom), bom_matched_);
            partial_ = true;
        }
        bom_pending_ = false;
        bom_matched_ = 0;
        if (p == end) return Status::Ok;
    }
    if (skip_lf_) {
        skip_lf_ = false;
        if (*p == '\n' && ++p == end) return Status::Ok;
    }

    const char *lf = nullptr;  // next LF at or after the scan point (end: none)
    const char *cr = nullptr;  // next CR likewise
    auto next_eol = [&](const char *from) {
        if (lf == nullptr || lf < from) lf = find_byte(from, end, '\n');
        if (cr == nullptr || cr < from) cr = find_byte(from, end, '\r');
        return lf < cr ? lf : cr;
    };
    auto after_eol = [&](const char *eol) {  // eol < end
        if (*eol == '\r') {
            if (eol + 1 == end) {
                skip_lf_ = true;  // CR LF may be split between two chunks
                return end;
            }
            if (eol[1] == '\n') return eol + 2;
        }
        return eol + 1;
    };

    if (partial_) {
        // Finish the line that the previous chunk(s) started (line_.size() <= max_).
        const char *eol = next_eol(p);
        size_t n = size_t(eol - p);
        if (n > max_ - line_.size()) return fail(Status::LineTooLong);
        line_.append(p, n);
        if (eol == end) return Status::Ok;
        p = after_eol(eol);
        partial_ = false;
        // line_ is not touched again before own_data(), so views into it hold.
        if (!process_line(line_, on_event)) return status_;
    }

    while (p < end) {
        const char *eol = next_eol(p);
        if (eol == end) break;
        size_t n = size_t(eol - p);
        if (n > max_) return fail(Status::LineTooLong);
        std::string_view line(p, n);
        p = after_eol(eol);
        if (!process_line(line, on_event)) return status_;
    }

    own_data();
    size_t tail = size_t(end - p);
    if (tail > max_) return fail(Status::LineTooLong);  // before copying any of it
    if (tail > 0) {
        line_.assign(p, tail);
        partial_ = true;
    }
    return Status::Ok;
}

bool SseParser::process_line(std::string_view line, const Callback &on_event) {
    if (mode_ == Mode::DataLines) return process_data_line(line, on_event);
    if (line.empty()) {
        if (mode_ == Mode::Events) return dispatch(on_event);
        event_.clear();
        return true;
    }
    if (line[0] == ':') return true;  // comment
    std::string_view name = line, value;
    if (const void *colon = std::memchr(line.data(), ':', line.size())) {
        size_t k = size_t(static_cast<const char *>(colon) - line.data());
        name = line.substr(0, k);
        value = line.substr(k + 1);
        if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    }
    if (name == "data") return append_data(value);
    if (name == "event") {
        event_.assign(value.data(), value.size());
    } else if (name == "id") {
        if (value.empty() || std::memchr(value.data(), '\0', value.size()) == nullptr) id_.assign(value.data(), value.size());
    }
    // "retry" and unknown fields: ignored.
    return true;
}

// The Tekton client: `line.strip()`, then `startswith("data: ")`, payload =
// the rest (tekton.md 2.4). No event types or ids.
bool SseParser::process_data_line(std::string_view line, const Callback &on_event) {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
    while (!line.empty() && blank(line.front())) line.remove_prefix(1);
    while (!line.empty() && blank(line.back())) line.remove_suffix(1);
    constexpr std::string_view kPrefix = "data: ";
    if (line.substr(0, kPrefix.size()) != kPrefix) return true;
    SseEvent ev{std::string_view(), line.substr(kPrefix.size()), std::string_view()};
    if (!on_event(ev)) {
        stopped_ = true;
        return false;
    }
    return true;
}

bool SseParser::append_data(std::string_view value) {
    if (!has_data_) {
        data_ = value;  // value.size() < line size <= max_
        has_data_ = true;
        data_owned_ = false;
        return true;
    }
    if (value.size() + 1 > max_ - data_.size()) {  // data_.size() <= max_
        fail(Status::EventTooLarge);
        return false;
    }
    if (!data_owned_) {
        data_buf_.assign(data_.data(), data_.size());
        data_owned_ = true;
    }
    data_buf_.push_back('\n');
    data_buf_.append(value.data(), value.size());
    data_ = data_buf_;
    return true;
}

bool SseParser::dispatch(const Callback &on_event) {
    bool go_on = true;
    if (has_data_) {
        SseEvent ev{event_, data_, id_};
        go_on = on_event(ev);
    }
    has_data_ = false;
    data_owned_ = false;
    data_ = {};
    event_.clear();
    if (!go_on) stopped_ = true;
    return go_on;
}

void SseParser::own_data() {
    if (has_data_ && !data_owned_) {
        data_buf_.assign(data_.data(), data_.size());
        data_ = data_buf_;
        data_owned_ = true;
    }
}

SseParser::Status SseParser::fail(Status s) {
    status_ = s;
    partial_ = false;
    has_data_ = false;
    data_ = {};
    return s;
}

bool SseParser::finish(const Callback *on_event) {
    if (mode_ == Mode::DataLines && partial_ && !stopped_ && status_ == Status::Ok) {
        std::string last = std::move(line_);
        partial_ = false;
        if (on_event) process_data_line(last, *on_event);
        else partial_ = !last.empty();  // nobody to read it: report it as cut
    }
    bool cut;
    if (stopped_) cut = false;                   // the consumer chose to stop
    else if (status_ != Status::Ok) cut = true;  // the body was not read to its end
    else cut = partial_ || bom_matched_ > 0 || has_data_;
    reset();
    return cut;
}

void SseParser::reset() {
    status_ = Status::Ok;
    stopped_ = false;
    skip_lf_ = false;
    bom_pending_ = true;
    bom_matched_ = 0;
    partial_ = false;
    line_.clear();
    event_.clear();
    id_.clear();
    data_buf_.clear();
    data_ = {};
    has_data_ = false;
    data_owned_ = false;
}

}  // namespace realm::protocol
