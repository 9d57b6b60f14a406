// Incremental parser of a `text/event-stream` body (WHATWG HTML, "event
// stream interpretation"): feed it bytes split anywhere, get one callback per
// dispatched event. Knows nothing of OpenAI or any dialect.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace realm::protocol {

struct SseEvent {
    std::string_view event;  // the `event:` field ("" = default "message")
    std::string_view data;   // `data:` lines joined with '\n' (no trailing '\n')
    std::string_view id;     // the last `id:` field seen ("" = none)
};

class SseParser {
public:
    enum class Status { Ok, LineTooLong, EventTooLarge };
    enum class Mode {
        Events,     // WHATWG: data lines accumulate until a blank line dispatches the event
        DataLines,  // how the Tekton LLM client reads streams (tekton.md 2.4, 7.2): each
                    // line, stripped of surrounding whitespace, that starts with "data: "
                    // is an event of its own at once (the rest of the line); any other
                    // line is skipped; a last line without a line end still counts
    };

    // `max_event_bytes` bounds one line and one event's joined data; past it
    // feed() returns an error and the parser stays failed.
    explicit SseParser(size_t max_event_bytes, Mode mode = Mode::Events) : max_(max_event_bytes), mode_(mode) {}

    // Parses `bytes`; calls `on_event` for every complete event (views valid
    // during the call only). Stops early, returning Ok, when on_event returns
    // false (the caller is done with the stream). Lines end with CRLF, LF or
    // CR (a CR at the end of one chunk and LF at the start of the next are one
    // line end). Comment lines (":...") and unknown fields are ignored; a
    // leading U+FEFF BOM is skipped; "field: value" drops one space after the
    // colon. An event is dispatched at a blank line, and only if it has data.
    Status feed(std::string_view bytes, const std::function<bool(const SseEvent &)> &on_event);

    // End of the body: an event without its closing blank line is NOT
    // dispatched (per the spec); returns true when such a partial event (or
    // a partial line) was pending, so the caller can report a cut stream.
    // DataLines: a last line without its line end is read as a line (the
    // Tekton client's line reader yields it), through `on_event` when given.
    // Also resets the parser (failure, stop, last event ID) for a new body.
    bool finish(const std::function<bool(const SseEvent &)> *on_event = nullptr);

private:
    using Callback = std::function<bool(const SseEvent &)>;
    // Each returns false when the consumer stopped; a failure sets status_.
    bool process_line(std::string_view line, const Callback &on_event);
    bool process_data_line(std::string_view line, const Callback &on_event);
    bool dispatch(const Callback &on_event);
    bool append_data(std::string_view value);
    void own_data();  // copies a data view that points into the caller's chunk or line_
    Status fail(Status s);
    void reset();

    size_t max_;
    Mode mode_;
    Status status_ = Status::Ok;
    bool stopped_ = false;      // the consumer returned false: ignore the rest of the body
    bool skip_lf_ = false;      // the last chunk ended with CR: a leading LF ends nothing
    bool bom_pending_ = true;   // still at the very start: a U+FEFF may follow
    unsigned bom_matched_ = 0;  // bytes of EF BB BF seen so far
    bool partial_ = false;      // line_ holds the start of an unterminated line
    std::string line_;          // a line split across feed() calls
    std::string event_;         // event type buffer
    std::string id_;            // last event ID buffer (persists across events)
    std::string data_buf_;      // joined data when it cannot be a view
    std::string_view data_;     // the data buffer: into the chunk, line_ or data_buf_
    bool has_data_ = false;     // at least one data line since the last dispatch
    bool data_owned_ = false;   // data_ points into data_buf_
};

}  // namespace realm::protocol
