#include "openai_http.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "openai_json.h"
#include "tekton_http.h"

namespace realm::server {
namespace {

constexpr size_t kBatchTarget = 64 * 1024;
constexpr const char *kJson = "application/json";
constexpr const char *kEventStream = "text/event-stream";

// Envelope of the http_status fault's "json" body, typed like a real
// server's answer to that status.
OpenAiError fault_status_error(int status) {
    OpenAiError e;
    e.http_status = status;
    e.message = "fault: HTTP " + std::to_string(status) + " " + http_reason(status);
    if (status == 401) {
        e = invalid_api_key_error();
    } else if (status == 429) {
        e.type = e.code = "rate_limit_exceeded";
    } else if (status == 404) {
        e.code = "not_found";
    } else if (status >= 500) {
        e.type = e.code = "server_error";
    }
    return e;
}

}  // namespace

HttpExchange::HttpExchange(ServerState &state, lws *wsi) : state_(state), wsi_(wsi) {}

HttpExchange::~HttpExchange() {
    if (stream_) --state_.stats.active_requests;  // disconnect mid-stream: generation stops here
    if (tekton_) --state_.stats.active_requests;
}

void HttpExchange::begin_shutdown() { lws_set_timeout(wsi_, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC); }

int HttpExchange::on_request() {
    // A new transaction on this (possibly kept-alive) connection.
    if (stream_) --state_.stats.active_requests;
    if (tekton_) --state_.stats.active_requests;
    stream_.reset();
    tekton_.reset();
    generated_.reset();
    body_.clear();
    body_too_big_ = false;
    responding_ = false;
    after_ = After::KeepAlive;
    sse_ = sse_started_ = sse_head_pending_ = comments_ = kill_ = false;
    eol_ = "\n";
    max_piece_ = 0;
    content_type_.clear();
    out_.begin({}, false);

    HttpMethod method = request_method(wsi_);
    std::string path = request_path(wsi_);
    route_ = route_http(method, path);
    method_path_ = method_name(wsi_) + " " + path;
    head_only_ = method_name(wsi_) == "HEAD";
    credentials_ = request_credentials(wsi_, state_.keys, false);  // HTTP: Bearer header only
    // Answer once the body is in (answering earlier would make lws parse the
    // rest of the body as the next request).
    bool has_body = lws_hdr_total_length(wsi_, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
    if (lws_hdr_total_length(wsi_, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
        char buf[32] = {0};
        lws_hdr_copy(wsi_, buf, sizeof buf, WSI_TOKEN_HTTP_CONTENT_LENGTH);
        has_body = std::strtoull(buf, nullptr, 10) > 0;
    }
    if (!has_body) dispatch();
    return 0;
}

int HttpExchange::on_body(const void *in, size_t len) {
    if (body_.size() + len > state_.options.openai_max_message_size())
        body_too_big_ = true;  // keep reading (and dropping) so the connection stays usable
    else
        body_.append(static_cast<const char *>(in), len);
    return 0;
}

int HttpExchange::on_body_complete() {
    if (!responding_) dispatch();
    return 0;
}

void HttpExchange::dispatch() {
    responding_ = true;
    if (is_tekton_route(route_)) {
        TektonAnswer a = tekton_answer(state_, route_, credentials_, body_, body_too_big_);
        if (a.upstream) {
            start_tekton(std::move(*a.upstream));
            return;
        }
        content_type_ = a.content_type;
        respond(a.status, std::move(a.body), std::move(a.extra_headers));
        return;
    }
    switch (route_) {
        case HttpRoute::Health:
            if (state_.upstreams) {  // gateway: 503 while no upstream takes requests
                respond(state_.upstreams->any_up() ? 200 : 503, state_.upstreams->health_json());
                return;
            }
            respond(200, R"({"status":"ok"})");
            return;
        case HttpRoute::Metrics:
            if (!state_.upstreams) break;  // a 404 below: only the gateway counts
            content_type_ = "text/plain; version=0.0.4; charset=utf-8";
            respond(200, state_.upstreams->metrics().render(state_.upstreams->gauges()));
            return;
        default:
            break;
    }
    if (route_ == HttpRoute::NotFound || (route_ == HttpRoute::Metrics && !state_.upstreams)) {
        respond_error(not_found_error("Unknown endpoint: " + method_path_));
        return;
    }
    if (state_.options.auth && credentials_.state != Credentials::State::Valid) {
        respond_error(invalid_api_key_error());
        return;
    }
    if (route_ == HttpRoute::Models) {
        respond(200, models_json(state_.options, static_cast<uint64_t>(std::time(nullptr))));
        return;
    }
    if (body_too_big_) {
        OpenAiError e = invalid_param_error("", "request body is larger than " +
                                                    std::to_string(state_.options.openai_max_message_size()) +
                                                    " bytes");
        e.param.reset();
        e.http_status = 413;
        e.code = "request_too_large";
        respond_error(e);
        return;
    }
    JsonPtr root = parse_json(body_);
    if (!root) {
        respond_error(invalid_json_error());
        return;
    }
    OpenAiDialect dialect = route_ == HttpRoute::ChatCompletions ? OpenAiDialect::Chat : OpenAiDialect::Completions;
    OpenAiRequest req;
    OpenAiError err;
    if (!validate_openai_request(root.get(), dialect, OpenAiTransport::Http, state_.options, &req, &err)) {
        if (err.param && err.param->empty()) err.param.reset();
        respond_error(err);
        return;
    }
    if (credentials_.state == Credentials::State::Valid) {
        RateDecision d = state_.limiter.check(credentials_.tenant, monotonic_ns());
        if (!d.allowed) {
            respond_error(rate_limit_error(d));
            return;
        }
    }
    start_completion(req);
}

void HttpExchange::respond(int status, std::string body, std::string extra_headers) {
    const std::string &type = content_type_.empty() ? std::string(kJson) : content_type_;
    out_.begin(http_head(status, type, body.size(), extra_headers), false, max_piece_);
    if (!head_only_) out_.append(body);
    out_.finish();
    request_write();
}

void HttpExchange::respond_error(const OpenAiError &e) {
    std::string extra;
    if (e.http_status == 429) {
        // Whole seconds, rounded up: a client that waits this long gets in.
        extra = "Retry-After: " + std::to_string((e.retry_after_ms + 999) / 1000) + "\r\n";
    } else if (e.http_status == 401) {
        extra = "WWW-Authenticate: Bearer\r\n";
    }
    respond(e.http_status, error_envelope(e), extra);
}

void HttpExchange::start_completion(const OpenAiRequest &req) {
    const OpenAiFaults &f = req.faults;
    content_type_ = f.content_type;
    max_piece_ = f.chunk_bytes;
    if (f.http_status) {
        respond_fault_status(*f.http_status);
        return;
    }
    ChunkEncoder enc(req.dialect, req.model, std::nullopt);
    if (f.huge) {
        // A normal-looking completion whose text is padded to the size.
        std::string object;
        enc.full(object, "\x01", "length", Usage{req.prompt_tokens, 1});
        size_t mark = object.find('\x01');
        Generated g{object.substr(0, mark), 0, object.substr(mark + 1), true};
        uint64_t frame = g.prefix.size() + g.suffix.size();
        if (f.huge->bytes >= frame) {
            g.filler_left = f.huge->bytes - frame;
        } else {
            g.prefix = (g.prefix + g.suffix).substr(0, f.huge->bytes);
            g.suffix.clear();
        }
        std::string type = content_type_.empty() ? std::string(kJson) : content_type_;
        respond_generated(http_head(200, type, f.huge->bytes), false, std::move(g), After::KeepAlive);
        return;
    }
    if (f.endless_line) {
        std::string type = content_type_.empty() ? std::string(kEventStream) : content_type_;
        Generated g{"data: ", f.endless_line->bytes, "", false};
        respond_generated(http_head(200, type, std::nullopt, "Cache-Control: no-cache\r\n"), true, std::move(g),
                          f.endless_line->close ? After::Close : After::StayIdle);
        return;
    }
    StreamShape shape;
    shape.usage_chunk = req.stream && req.include_usage;  // OpenAI's stream_options
    shape.skip_final = f.done_without_finish;
    std::unique_ptr<UpstreamFeed> feed;
    if (state_.upstreams) feed = state_.upstreams->generate(upstream_ask_of(req, "openai-http"));
    stream_ = std::make_unique<OpenAiStream>(req, state_.options, shape, monotonic_ns(), std::move(feed));
    ++state_.stats.active_requests;
    sse_ = req.stream;
    if (sse_) {
        if (f.crlf) eol_ = "\r\n";
        comments_ = f.comments;
        // A gateway holds the head until the upstream answers, so that an
        // upstream error (429 with Retry-After, 503...) keeps its status.
        sse_head_pending_ = stream_->upstream();
        if (!sse_head_pending_) begin_sse();
    }
    request_write();
}

void HttpExchange::start_tekton(TektonAnswer::Upstream u) {
    bool stream = u.stream;
    tekton_ = std::make_unique<TektonStream>(state_.upstreams->generate(std::move(u.ask)), stream, std::move(u.common),
                                             u.prompt_tokens);
    ++state_.stats.active_requests;
    request_write();
}

void HttpExchange::end_tekton() {
    tekton_.reset();
    --state_.stats.active_requests;
}

void HttpExchange::produce_tekton() {
    while (tekton_ && out_.backlog() < kBatchTarget) {
        switch (tekton_->step(payload_)) {
            case TektonStream::Step::Event:
                if (!sse_started_) {  // the head waits for the upstream's first answer
                    sse_started_ = true;
                    out_.begin(http_head(200, std::string(kEventStream), std::nullopt, "Cache-Control: no-cache\r\n"),
                               true, max_piece_);
                }
                out_.append("data: ");
                out_.append(payload_);
                out_.append("\n\n");
                break;
            case TektonStream::Step::Body:
                end_tekton();
                respond(200, payload_);
                return;
            case TektonStream::Step::Wait:
                tekton_->timer = TimerHandle(&state_.timers, state_.timers.schedule_at(TimerQueue::kNever, [this] {
                                                 if (tekton_) tekton_->timer.release();
                                                 request_write();
                                             }));
                return;
            case TektonStream::Step::Failed: {
                std::string extra;
                if (tekton_->retry_after_ms())
                    extra = "Retry-After: " + std::to_string((tekton_->retry_after_ms() + 999) / 1000) + "\r\n";
                int status = tekton_->status();
                end_tekton();
                respond(status, payload_, extra);
                return;
            }
            case TektonStream::Step::Done:
                end_tekton();
                out_.finish();
                return;
        }
    }
}

void HttpExchange::begin_sse() {
    sse_head_pending_ = false;
    std::string type = content_type_.empty() ? std::string(kEventStream) : content_type_;
    out_.begin(http_head(200, type, std::nullopt, "Cache-Control: no-cache\r\n"), true, max_piece_);
}

void HttpExchange::respond_fault_status(const OpenAiFault &f) {
    std::string extra;
    if (f.retry_after) extra = "Retry-After: " + *f.retry_after + "\r\n";
    std::string body, type;
    if (f.body == "json") {
        body = error_envelope(fault_status_error(f.status));
        type = kJson;
    } else if (f.body == "html") {
        std::string title = std::to_string(f.status) + " " + http_reason(f.status);
        body = "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
               "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
        type = "text/html";
    } else if (f.body == "text") {
        body = "fault: HTTP " + std::to_string(f.status) + " " + http_reason(f.status) + "\n";
        type = "text/plain; charset=utf-8";
    }
    if (!content_type_.empty()) type = content_type_;
    out_.begin(http_head(f.status, type, body.size(), extra), false, max_piece_);
    out_.append(body);
    out_.finish();
    request_write();
}

void HttpExchange::respond_generated(std::string head, bool chunked, Generated g, After after) {
    out_.begin(std::move(head), chunked, max_piece_);
    generated_ = std::move(g);
    after_ = after;
    request_write();
}

void HttpExchange::write_event(std::string_view data) {
    if (comments_ && sse_started_) {
        out_.append(": ping");
        out_.append(eol_);
        out_.append(eol_);
    }
    sse_started_ = true;
    out_.append("data: ");
    out_.append(data);
    out_.append(eol_);
    out_.append(eol_);
}

void HttpExchange::end_stream() {
    stream_.reset();
    --state_.stats.active_requests;
}

void HttpExchange::produce_stream() {
    uint64_t now = monotonic_ns();
    while (stream_ && out_.backlog() < kBatchTarget && !kill_) {
        StreamStep step = stream_->step(now, payload_);
        switch (step) {
            case StreamStep::Payload:
            case StreamStep::Binary:
                if (sse_) {
                    if (sse_head_pending_) begin_sse();
                    write_event(payload_);
                } else {  // the one completion object
                    std::string type = content_type_.empty() ? std::string(kJson) : content_type_;
                    out_.begin(http_head(200, type, payload_.size()), false, max_piece_);
                    out_.append(payload_);
                }
                break;
            case StreamStep::Failed: {
                int status = stream_->error_status();
                std::string extra;
                if (status == 429 || status == 503) {
                    uint64_t ms = stream_->error_retry_after_ms();
                    if (ms) extra = "Retry-After: " + std::to_string((ms + 999) / 1000) + "\r\n";
                }
                if (sse_ && !sse_head_pending_) {
                    write_event(payload_);  // then the stream just ends: no [DONE]
                    out_.finish();
                    end_stream();
                } else {
                    end_stream();
                    content_type_.clear();
                    respond(status, payload_, extra);
                }
                return;
            }
            case StreamStep::Wait:
                stream_->timer = TimerHandle(&state_.timers,
                                             state_.timers.schedule_at(stream_->wake_at(), [this] {
                                                 if (stream_) stream_->timer.release();
                                                 request_write();
                                             }));
                return;
            case StreamStep::Drop:
            case StreamStep::Close:  // WebSocket-only faults never reach here
                kill_ = true;
                return;
            case StreamStep::Done:
                if (sse_head_pending_) begin_sse();
                if (sse_) write_event("[DONE]");
                out_.finish();
                end_stream();
                return;
        }
    }
}

void HttpExchange::produce_generated() {
    Generated &g = *generated_;
    if (!g.prefix.empty()) {
        out_.append(g.prefix);
        g.prefix.clear();
    }
    static const std::string filler(kBatchTarget, 'x');
    while (g.filler_left && out_.backlog() < kBatchTarget) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(g.filler_left, filler.size()));
        out_.append(std::string_view(filler).substr(0, n));
        g.filler_left -= n;
    }
    if (g.filler_left) return;
    out_.append(g.suffix);
    if (g.terminate) out_.finish();
    generated_.reset();
}

void HttpExchange::produce() {
    if (out_.backlog() >= kBatchTarget) return;
    if (stream_ && !stream_->timer.armed()) produce_stream();
    if (tekton_ && !tekton_->timer.armed()) produce_tekton();
    if (generated_) produce_generated();
}

int HttpExchange::end_transaction() {
    responding_ = false;
    switch (after_) {
        case After::StayIdle:
            return 0;  // the line never ends: wait for the client to hang up
        case After::Close:
            return -1;
        case After::KeepAlive:
            break;
    }
    // 0: lws waits for the next request on this connection.
    return lws_http_transaction_completed(wsi_) ? -1 : 0;
}

int HttpExchange::on_writable() {
    if (!responding_) return 0;  // a spurious WRITEABLE between transactions
    if (!kill_) produce();
    if (out_.write_some(wsi_) < 0) return -1;
    if (kill_) {
        // Fault drop: what was produced before it goes out first, then the
        // TCP connection closes without a terminating chunk.
        if (out_.backlog() > 0 || lws_partial_buffered(wsi_)) {
            request_write();
            return 0;
        }
        return -1;
    }
    bool producing = stream_ || generated_ || tekton_;
    // All written: the response is complete (or, for endless_line, as
    // complete as it will ever be).
    if (!producing && out_.drained() && (out_.done() || after_ != After::KeepAlive)) {
        if (lws_partial_buffered(wsi_)) {  // lws still holds the tail of the last write
            request_write();
            return 0;
        }
        return end_transaction();
    }
    // The timer asks for the next write.
    bool waiting = (stream_ && stream_->timer.armed()) || (tekton_ && tekton_->timer.armed());
    if (!out_.drained() || (producing && !waiting)) request_write();
    return 0;
}

}  // namespace realm::server
