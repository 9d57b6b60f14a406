#include "ws_system_generation.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "backend.h"
#include "protocol/realm_wire.h"
#include "ws_system_frames.h"

namespace realm::server {
namespace {

constexpr const char *kDropAfter = "drop_after:";

// The option extensions of the reference server (upstream spreads
// `options` into the Ollama request, which ignores keys it does not know).
void read_extensions(const cJSON *options, const ServerOptions &o, WsGenerateRequest *out) {
    if (!cJSON_IsObject(options)) return;
    const cJSON *delay = cJSON_GetObjectItemCaseSensitive(options, "delay_ms");
    if (cJSON_IsNumber(delay) && delay->valuedouble >= 0 && delay->valuedouble <= 3600000)
        out->delay_ms = static_cast<uint64_t>(delay->valuedouble);
    const cJSON *tokens = cJSON_GetObjectItemCaseSensitive(options, "tokens");
    if (cJSON_IsNumber(tokens) && tokens->valuedouble >= 0 && tokens->valuedouble <= 1e12)
        out->tokens = static_cast<uint64_t>(tokens->valuedouble);
    const cJSON *fault = cJSON_GetObjectItemCaseSensitive(options, "fault");
    if (!fault) return;
    if (!o.enable_faults) {
        out->failure = "faults are disabled";
        return;
    }
    const char *spec = cJSON_IsString(fault) ? fault->valuestring : "";
    char *end = nullptr;
    if (std::strncmp(spec, kDropAfter, std::strlen(kDropAfter)) == 0) {
        const char *n = spec + std::strlen(kDropAfter);
        unsigned long long v = std::strtoull(n, &end, 10);
        if (*n >= '0' && *n <= '9' && end && !*end) {
            out->drop_after = v;
            return;
        }
    }
    out->failure = std::string("unknown fault ") + json_text(fault);
}

}  // namespace

bool json_truthy(const cJSON *v) {
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v)) return false;
    if (cJSON_IsString(v)) return v->valuestring[0] != '\0';
    if (cJSON_IsNumber(v)) return v->valuedouble != 0 && !std::isnan(v->valuedouble);
    return true;  // true, objects and arrays (even empty ones)
}

std::string json_text(const cJSON *v) {
    if (!v) return {};
    char *printed = cJSON_PrintUnformatted(v);
    std::string out = printed ? printed : "null";
    cJSON_free(printed);
    return out;
}

bool parse_generate(const cJSON *msg, const ServerOptions &o, const WsSystemShared &shared, WsGenerateRequest *out) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(msg, "prompt");
    out->id_json = json_text(id);
    if (!json_truthy(id) || !json_truthy(prompt)) return false;
    out->prompt = cJSON_IsString(prompt) ? prompt->valuestring : json_text(prompt);
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(msg, "model");
    std::string model_name;
    if (json_truthy(model)) {
        out->model_json = json_text(model);
        model_name = cJSON_IsString(model) ? model->valuestring : out->model_json;
    } else {
        model_name = o.ws_default_model;
        out->model_json.clear();
        wire::append_json_string(out->model_json, model_name);
    }
    out->model = model_name;
    out->delay_ms = o.effective_token_delay_ms();
    if (o.gateway()) return true;  // the upstream knows its models
    read_extensions(cJSON_GetObjectItemCaseSensitive(msg, "options"), o, out);
    // Ollama answers an unknown model with 404, which upstream reports
    // after stream_start (section 4.1 item 4).
    if (out->failure.empty() && !shared.model_exists(model_name)) {
        std::string body = "{\"error\":";
        wire::append_json_string(body, "model '" + model_name + "' not found");
        body += '}';
        out->failure = "Ollama API error: 404 " + body;
    }
    return true;
}

WsGeneration::WsGeneration(WsGenerateRequest req, const ServerOptions &options, uint64_t now_ns)
    : req_(std::move(req)),
      started_ns_(now_ns),
      pacer_(req_.delay_ms * 1000000ULL, now_ns + req_.delay_ms * 1000000ULL) {
    if (!req_.failure.empty()) return;
    words_ = stream_words(req_.prompt);
    count_ = req_.tokens ? *req_.tokens : words_.size();
    if (count_ > options.max_tokens) count_ = options.max_tokens;
}

void WsGeneration::attach(std::unique_ptr<UpstreamFeed> feed) {
    feed_ = std::move(feed);
    feed_->watch(&timer);
}

UpstreamAsk WsGeneration::upstream_ask() const {
    UpstreamAsk a;
    a.model = req_.model;
    a.messages.push_back(ChatMessage{"user", req_.prompt});
    if (req_.tokens) a.max_tokens = req_.tokens;
    a.dialect = "ws-system";
    return a;
}

WsGeneration::Step WsGeneration::step(uint64_t now_ns, std::string *frame) {
    if (feed_) {
        switch (feed_->next(&piece_)) {
            case UpstreamFeed::Next::Piece:
                *frame = ws_system::stream_token(req_.id_json, piece_);
                ++sent_;
                return Step::Token;
            case UpstreamFeed::Next::Wait:
                wake_at_ = TimerQueue::kNever;
                return Step::Wait;
            case UpstreamFeed::Next::Finished:
                *frame = ws_system::stream_end(req_.id_json, sent_, (now_ns - started_ns_) / 1000000ULL);
                return Step::End;
            case UpstreamFeed::Next::Failed:
                *frame = ws_system::generation_error(req_.id_json, "Generation failed: " + feed_->error().message);
                return Step::End;
        }
    }
    if (!req_.failure.empty()) {
        *frame = ws_system::generation_error(req_.id_json, "Generation failed: " + req_.failure);
        return Step::End;
    }
    if (req_.drop_after && sent_ == *req_.drop_after) return Step::Drop;
    if (sent_ == count_) {
        *frame = ws_system::stream_end(req_.id_json, sent_, (now_ns - started_ns_) / 1000000ULL);
        return Step::End;
    }
    if (!pacer_.ready(now_ns, &wake_at_)) return Step::Wait;
    *frame = ws_system::stream_token(req_.id_json, words_[sent_ % words_.size()]);
    ++sent_;
    pacer_.advance(now_ns);
    return Step::Token;
}

std::string WsGeneration::cancelled_frame() const {
    if (sent_ == 0) return ws_system::stream_cancelled(req_.id_json);
    return ws_system::generation_error(req_.id_json, "Generation failed: The user aborted a request.");
}

}  // namespace realm::server
