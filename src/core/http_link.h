// One HTTP exchange carrying one request of an HTTP dialect: builds the HTTP
// request from the dialect, reads the answer (an event stream parsed event
// by event, a JSON body, or an error status with a body of any shape) and
// hands decoded frames to its owner. Loop thread only.
#pragma once

#include <string>
#include <string_view>

#include "core/link.h"
#include "protocol/sse_parser.h"

namespace realm::core {

class HttpLink;

class HttpLinkOwner {
public:
    virtual ~HttpLinkOwner() = default;
    // A decoded frame for the link's request (any kind; the owner applies it).
    virtual void on_http_frame(HttpLink &link, const protocol::InboundFrame &f) = 0;
    // The exchange failed (connect, TLS, a cut or oversized answer): the
    // request ends with `err`.
    virtual void on_http_failed(HttpLink &link, const Error &err) = 0;
    // The exchange is over; the owner destroys the link, but not during this
    // call (it may come from inside the link's own callbacks).
    virtual void on_http_done(HttpLink &link) = 0;
};

class HttpLink final : private transport::HttpExchange::Handler {
public:
    HttpLink(const LinkEnv &env, HttpLinkOwner &owner, realm_request *req);
    ~HttpLink() override;
    HttpLink(const HttpLink &) = delete;
    HttpLink &operator=(const HttpLink &) = delete;

    // Encodes the request and starts the exchange. False and *err when it
    // fails at once (nothing else is reported then).
    bool start(Error *err);
    // The request ended here (cancel, timeout): drop the exchange at once.
    void abandon();
    realm_request *request() const { return req_; }
    // The server of the exchange.
    const ServerUrl *server() const { return env_.server; }

private:
    enum class Mode { Head, Stream, Body, ErrorBody, Over };

    // transport::HttpExchange::Handler
    void on_response_head(const transport::HttpResponseHead &head) override;
    void on_body(std::string_view chunk) override;
    void on_closed(const transport::CloseInfo &info) override;

    bool request_over() const;
    void deliver(const protocol::InboundFrame &f);
    void failed(const Error &err);
    void over();

    LinkEnv env_;
    HttpLinkOwner &owner_;
    realm_request *req_;
    transport::Exchange *exchange_ = nullptr;
    Mode mode_ = Mode::Head;
    transport::HttpResponseHead head_;
    std::string body_;
    protocol::SseParser sse_;
    protocol::InboundFrame frame_;
};

}  // namespace realm::core
