// One plain HTTP/1.1 connection: requests one after the other (keep-alive),
// each routed by http_router, answered as JSON or, for stream:true, as
// Server-Sent Events ("data: <chunk>\n\n" ... "data: [DONE]\n\n") with
// chunked transfer encoding. The OpenAI request rules, backend, auth and rate
// limits are those of the WebSocket dialect; only the framing differs.
//
// The response body is produced from the OpenAiStream only while the socket
// takes it (one batch per WRITEABLE), so a slow or stalled reader holds at
// most one batch per connection. A client that disconnects mid-stream closes
// the connection, which destroys the exchange and with it the generation.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <libwebsockets.h>

#include "http_output.h"
#include "http_request.h"
#include "http_router.h"
#include "openai_stream.h"
#include "server_state.h"
#include "tekton_http.h"
#include "tekton_stream.h"

namespace realm::server {

class HttpExchange {
public:
    HttpExchange(ServerState &state, lws *wsi);
    ~HttpExchange();
    HttpExchange(const HttpExchange &) = delete;
    HttpExchange &operator=(const HttpExchange &) = delete;

    // lws callbacks (HTTP, HTTP_BODY, HTTP_BODY_COMPLETION, HTTP_WRITEABLE);
    // a negative return closes the connection.
    int on_request();
    int on_body(const void *in, size_t len);
    int on_body_complete();
    int on_writable();
    // Server shutdown: the connection is dropped.
    void begin_shutdown();

private:
    // What happens once the response is written.
    enum class After { KeepAlive, Close, StayIdle };
    // A body made up on the fly (fault huge / endless_line): prefix, then
    // `filler_left` x's, then suffix; never held in memory as a whole.
    struct Generated {
        std::string prefix;
        uint64_t filler_left = 0;
        std::string suffix;
        bool terminate = true;  // end the chunked body / response
    };

    void dispatch();
    void respond(int status, std::string body, std::string extra_headers = {});
    void respond_error(const OpenAiError &e);
    void start_completion(const OpenAiRequest &req);
    void respond_fault_status(const OpenAiFault &f);
    void respond_generated(std::string head, bool chunked, Generated g, After after);
    void produce();
    void produce_stream();
    void begin_sse();
    void start_tekton(TektonAnswer::Upstream u);
    void produce_tekton();
    void end_tekton();
    void produce_generated();
    void write_event(std::string_view data);
    void end_stream();
    int end_transaction();
    void request_write() { lws_callback_on_writable(wsi_); }

    ServerState &state_;
    lws *wsi_;

    // The current transaction.
    HttpRoute route_ = HttpRoute::NotFound;
    std::string method_path_;  // for the 404 message
    bool head_only_ = false;   // HEAD: the head of the response without its body
    Credentials credentials_;
    std::string body_;
    bool body_too_big_ = false;
    bool responding_ = false;
    HttpOutput out_;
    After after_ = After::KeepAlive;
    std::unique_ptr<OpenAiStream> stream_;
    std::unique_ptr<TektonStream> tekton_;  // gateway mode: a Tekton chat answered by an upstream
    bool sse_ = false;
    bool sse_head_pending_ = false;  // gateway: the SSE head waits for the upstream's first answer
    bool sse_started_ = false;  // an event was written (comments go between events)
    std::string eol_ = "\n";
    bool comments_ = false;
    uint64_t max_piece_ = 0;
    std::string content_type_;  // fault content_type, else empty
    std::optional<Generated> generated_;
    bool kill_ = false;
    std::string payload_;
};

}  // namespace realm::server
