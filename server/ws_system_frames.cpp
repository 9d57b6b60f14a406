#include "ws_system_frames.h"

#include <sys/time.h>

#include "protocol/realm_wire.h"

namespace realm::server::ws_system {
namespace {

void add_string(std::string &out, const char *name, std::string_view value) {
    out += '"';
    out += name;
    out += "\":";
    wire::append_json_string(out, value);
}

void add_raw(std::string &out, const char *name, std::string_view json) {
    out += '"';
    out += name;
    out += "\":";
    out += json;
}

// The id member first: {"id":…,"type":… as in upstream's response literals.
std::string open_with_id(std::string_view id_json, const char *type) {
    std::string out = "{";
    if (!id_json.empty()) {
        add_raw(out, "id", id_json);
        out += ',';
    }
    add_string(out, "type", type);
    return out;
}

std::string close_with_timestamp(std::string out) {
    out += ",\"timestamp\":";
    out += std::to_string(wall_ms());
    out += '}';
    return out;
}

}  // namespace

uint64_t wall_ms() {
    timeval tv{};
    gettimeofday(&tv, nullptr);
    return static_cast<uint64_t>(tv.tv_sec) * 1000 + static_cast<uint64_t>(tv.tv_usec) / 1000;
}

std::string challenge(std::string_view challenge_hex) {
    std::string out = R"({"type":"challenge",)";
    add_string(out, "challenge", challenge_hex);
    return close_with_timestamp(std::move(out));
}

std::string auth_ok() { return close_with_timestamp(R"({"type":"auth_result","success":true)"); }

std::string auth_failed(std::string_view error, const char *extra_name, uint64_t extra) {
    std::string out = R"({"type":"auth_result","success":false,)";
    add_string(out, "error", error);
    if (extra_name) {
        out += ',';
        add_raw(out, extra_name, std::to_string(extra));
    }
    return close_with_timestamp(std::move(out));
}

std::string connection_error(std::string_view error, const char *code) {
    std::string out = R"({"type":"error",)";
    add_string(out, "error", error);
    if (code) {
        out += ',';
        add_string(out, "code", code);
    }
    return close_with_timestamp(std::move(out));
}

std::string request_error(std::string_view id_json, std::string_view error) {
    std::string out = R"({"type":"error",)";
    if (!id_json.empty()) {
        add_raw(out, "id", id_json);
        out += ',';
    }
    add_string(out, "error", error);
    return close_with_timestamp(std::move(out));
}

std::string generation_error(std::string_view id_json, std::string_view error) {
    std::string out = open_with_id(id_json, "error");
    out += ',';
    add_string(out, "error", error);
    out += R"(,"code":"generation_error")";
    return close_with_timestamp(std::move(out));
}

std::string stream_start(std::string_view id_json, std::string_view model_json) {
    std::string out = open_with_id(id_json, "stream_start");
    out += ',';
    add_raw(out, "model", model_json);
    return close_with_timestamp(std::move(out));
}

std::string stream_token(std::string_view id_json, std::string_view token) {
    std::string out = open_with_id(id_json, "stream_token");
    out += ',';
    add_string(out, "token", token);
    return close_with_timestamp(std::move(out));
}

std::string stream_end(std::string_view id_json, uint64_t total_tokens, uint64_t elapsed_ms) {
    std::string out = open_with_id(id_json, "stream_end");
    out += ",\"totalTokens\":" + std::to_string(total_tokens);
    out += ",\"elapsedTime\":" + std::to_string(elapsed_ms);
    return close_with_timestamp(std::move(out));
}

std::string stream_cancelled(std::string_view id_json) {
    return close_with_timestamp(open_with_id(id_json, "stream_end") + R"(,"isCancelled":true)");
}

std::string ack_stop(std::string_view id_json, std::string_view request_id_json) {
    std::string out = open_with_id(id_json, "ack");
    out += ',';
    add_raw(out, "requestId", request_id_json);
    out += R"(,"action":"stop")";
    return close_with_timestamp(std::move(out));
}

std::string pong(std::string_view id_json) { return close_with_timestamp(open_with_id(id_json, "pong")); }

std::string models_result(std::string_view id_json, std::string_view models_array_json) {
    std::string out = open_with_id(id_json, "models_result");
    out += ',';
    add_raw(out, "models", models_array_json);
    return close_with_timestamp(std::move(out));
}

}  // namespace realm::server::ws_system
