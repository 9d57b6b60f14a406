#include "tekton_http.h"

#include "openai_backend.h"
#include "openai_request.h"
#include "tekton_request.h"
#include "protocol/realm_wire.h"
#include "timer_queue.h"

namespace realm::server {
namespace {

// tekton.md 7.2, byte for byte (fault "sse_vector").
constexpr std::string_view kSseVector =
    "event: message\n"
    "data: {\"chunk\":\"A\",\"done\":false}\n"
    "\n"
    "data: not-json\n"
    "\n"
    "data: {\"chunk\":\"B\",\"done\":false,\"error\":null}\n"
    "data: [DONE]\n"
    "data: {\"chunk\":\"C\",\"done\":false}\n";

TektonAnswer error_answer(int status, std::string_view message, std::string extra = {}) {
    TektonAnswer a;
    a.status = status;
    a.body = "{\"error\":";
    wire::append_json_string(a.body, message);
    a.body += '}';
    a.extra_headers = std::move(extra);
    return a;
}

TektonAnswer providers(const ServerOptions &o) {
    std::vector<std::string> names = o.models;
    if (names.empty()) names.push_back(kDefaultModel);
    TektonAnswer a;
    a.body = R"({"providers":{"realm":{"name":"realm-server","available":true,"default_model":)";
    wire::append_json_string(a.body, names.front());
    a.body += R"(,"description":"librealm reference server","models":[)";
    for (size_t i = 0; i < names.size(); ++i) {
        if (i) a.body += ',';
        a.body += "{\"id\":";
        wire::append_json_string(a.body, names[i]);
        a.body += ",\"name\":";
        wire::append_json_string(a.body, names[i]);
        a.body += '}';
    }
    a.body += R"(]}},"default_provider":"realm","default_model":)";
    wire::append_json_string(a.body, names.front());
    a.body += '}';
    return a;
}

// The "fault" member (with --enable-faults): an answer, or nothing for none.
bool fault_answer(const ServerOptions &o, const cJSON *fault, bool stream, TektonAnswer *out) {
    if (!fault) return false;
    if (!o.enable_faults) {
        *out = error_answer(400, "faults are disabled");
        return true;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(fault, "type");
    std::string t = cJSON_IsString(type) ? type->valuestring : "";
    if (t == "sse_vector" && stream) {
        out->content_type = "text/event-stream";
        out->body.assign(kSseVector);
        out->extra_headers = "Cache-Control: no-cache\r\n";
    } else if (t == "overload") {
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(fault, "status");
        int s = cJSON_IsNumber(status) ? status->valueint : 503;
        if (s != 429 && s != 503) s = 503;
        *out = error_answer(s, s == 429 ? "fault: rate limited" : "fault: service unavailable",
                            s == 429 ? "Retry-After: 1\r\n" : "");
    } else {
        *out = error_answer(400, "Unknown fault: " + t + (t == "sse_vector" ? " (needs /api/v1/chat/stream)" : ""));
    }
    return true;
}

void append_usage(std::string &out, uint64_t prompt, uint64_t completion) {
    out += ",\"usage\":{\"prompt_tokens\":" + std::to_string(prompt) +
           ",\"completion_tokens\":" + std::to_string(completion) +
           ",\"total_tokens\":" + std::to_string(prompt + completion) + '}';
}

TektonAnswer chat(ServerState &state, const Credentials &credentials, std::string_view body, bool stream) {
    const ServerOptions &o = state.options;
    JsonPtr root = parse_json(body);
    if (!root || !cJSON_IsObject(root.get())) return error_answer(400, "Invalid JSON");
    TektonAnswer fault;
    if (fault_answer(o, cJSON_GetObjectItemCaseSensitive(root.get(), "fault"), stream, &fault)) return fault;

    TektonChat parsed;
    std::string problem = read_tekton_chat(o, root.get(), TektonText::Messages, false, &parsed);
    if (!problem.empty()) return error_answer(400, problem);
    const OpenAiRequest &req = parsed.req;  // what the synthetic backend answers

    if (credentials.state == Credentials::State::Valid) {
        RateDecision d = state.limiter.check(credentials.tenant, monotonic_ns());
        if (!d.allowed)
            return error_answer(429, "Rate limit exceeded",
                                "Retry-After: " + std::to_string((d.retry_after_ms + 999) / 1000) + "\r\n");
    }

    TextPlan plan(req, o.max_tokens);
    std::string common = tekton_common_members(parsed);
    TektonAnswer a;
    if (state.upstreams) {
        TektonAnswer::Upstream u;
        u.ask = tekton_upstream_ask(parsed, "tekton");
        u.stream = stream;
        u.common = std::move(common);
        u.prompt_tokens = req.prompt_tokens;
        a.upstream = std::move(u);
        return a;
    }
    if (!stream) {
        a.body = "{\"content\":\"";
        for (uint64_t k = 0; k < plan.pieces(); ++k) a.body += plan.piece_json(k);
        a.body += '"' + common + ",\"finish_reason\":\"" + plan.finish_reason() + '"';
        append_usage(a.body, req.prompt_tokens, plan.pieces());
        a.body += '}';
        return a;
    }
    a.content_type = "text/event-stream";
    a.extra_headers = "Cache-Control: no-cache\r\n";
    for (uint64_t k = 0; k < plan.pieces(); ++k) {
        a.body += "data: {\"chunk\":\"";
        a.body += plan.piece_json(k);
        a.body += '"' + common + ",\"done\":false}\n\n";
    }
    a.body += "data: {\"chunk\":\"\"" + common + ",\"done\":true,\"finish_reason\":\"" + plan.finish_reason() + '"';
    append_usage(a.body, req.prompt_tokens, plan.pieces());
    a.body += "}\n\ndata: [DONE]\n\n";
    return a;
}

}  // namespace

bool is_tekton_route(HttpRoute route) {
    return route == HttpRoute::TektonHealth || route == HttpRoute::TektonProviders || route == HttpRoute::TektonChat ||
           route == HttpRoute::TektonChatStream;
}

TektonAnswer tekton_answer(ServerState &state, HttpRoute route, const Credentials &credentials, std::string_view body,
                           bool body_too_big) {
    if (route == HttpRoute::TektonHealth) return TektonAnswer{200, "application/json", R"({"status":"healthy"})", {}, std::nullopt};
    if (state.options.auth && credentials.state != Credentials::State::Valid)
        return error_answer(401, "Authentication failed", "WWW-Authenticate: Bearer\r\n");
    if (route == HttpRoute::TektonProviders) return providers(state.options);
    if (body_too_big)
        return error_answer(413, "request body is larger than " +
                                     std::to_string(state.options.openai_max_message_size()) + " bytes");
    return chat(state, credentials, body, route == HttpRoute::TektonChatStream);
}

}  // namespace realm::server
