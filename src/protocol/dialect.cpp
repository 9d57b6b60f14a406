#include "dialect.h"

namespace realm::protocol {

const char *request_kind_name(RequestKind kind) {
    switch (kind) {
        case RequestKind::Generate: return "generate";
        case RequestKind::Chat: return "chat";
        case RequestKind::Pipeline: return "pipeline";
        case RequestKind::Health: return "health";
        case RequestKind::Metadata: return "metadata";
        case RequestKind::Models: return "models";
        case RequestKind::Call: return "call";
    }
    return "request";
}

void InboundFrame::clear() {
    // Field by field rather than `*this = {}`: keeps the capacity of
    // `extensions` and `problem` (the token hot path decodes into one frame).
    kind = FrameKind::Invalid;
    id = {};
    has_id = false;
    blame = Blame::None;
    text = {};
    has_text = false;
    text_is_delta = false;
    index = -1;
    is_final = false;
    has_logprob = false;
    logprob = 0;
    finish_reason = {};
    prompt_tokens = completion_tokens = total_tokens = -1;
    data_json = {};
    tokens_generated = -1;
    has_cost = has_time = false;
    cost_usd = time_ms = 0;
    status = REALM_ERR_SERVER;
    code = message = error_type = error_param = {};
    retry_after_ms = -1;
    http_status = 0;
    retryable = -1;
    model = {};
    tenant_id = version = {};
    has_tenant = false;
    extensions.clear();
    has_extensions = false;
    problem.clear();
    reply = {};
}

}  // namespace realm::protocol
