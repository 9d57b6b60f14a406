#include "openai_request.h"

#include <algorithm>
#include <cmath>

#include "backend.h"
#include "protocol/realm_wire.h"

namespace realm::server {
namespace {

constexpr uint64_t kMaxDelayMs = 3600000;

const cJSON *member(const cJSON *obj, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNull(v) ? nullptr : v;  // an explicit null means "absent", as in OpenAI's API
}

bool is_integer(const cJSON *v) {
    return cJSON_IsNumber(v) && std::floor(v->valuedouble) == v->valuedouble && std::fabs(v->valuedouble) < 9.0e15;
}

// Text of a message's content: a string, OpenAI content parts (text parts
// joined) or null. False when it is none of these.
bool content_text(const cJSON *content, std::string *out) {
    out->clear();
    if (!content || cJSON_IsNull(content)) return true;
    if (cJSON_IsString(content)) {
        *out = content->valuestring;
        return true;
    }
    if (!cJSON_IsArray(content)) return false;
    for (const cJSON *part = content->child; part; part = part->next) {
        if (!cJSON_IsObject(part)) return false;
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(part, "text");
        if (cJSON_IsString(text)) {
            if (!out->empty()) out->push_back(' ');
            *out += text->valuestring;
        }
    }
    return true;
}

bool read_messages(const cJSON *root, OpenAiRequest *out, OpenAiError *err) {
    const cJSON *messages = member(root, "messages");
    if (!messages) {
        *err = invalid_param_error("messages", "messages is required");
        return false;
    }
    if (!cJSON_IsArray(messages)) {
        *err = invalid_param_error("messages", "messages must be an array");
        return false;
    }
    if (!messages->child) {
        *err = invalid_param_error("messages", "messages must not be empty");
        return false;
    }
    int index = 0;
    std::string text;
    for (const cJSON *m = messages->child; m; m = m->next, ++index) {
        std::string where = "messages[" + std::to_string(index) + "]";
        if (!cJSON_IsObject(m)) {
            *err = invalid_param_error("messages", where + " must be an object");
            return false;
        }
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
        static const char *const kRoles[] = {"system", "user", "assistant", "tool", "developer"};
        bool known = cJSON_IsString(role) &&
                     std::any_of(std::begin(kRoles), std::end(kRoles),
                                 [&](const char *r) { return std::string(role->valuestring) == r; });
        if (!known) {
            *err = invalid_param_error("messages", where + ".role must be one of system, user, assistant, tool");
            return false;
        }
        if (!content_text(cJSON_GetObjectItemCaseSensitive(m, "content"), &text)) {
            *err = invalid_param_error("messages", where + ".content must be a string or an array of content parts");
            return false;
        }
        out->prompt_tokens += split_whitespace(text).size();
        out->messages.push_back(ChatMessage{role->valuestring, text});
        if (std::string(role->valuestring) == "user") out->prompt = text;  // the last user message wins
    }
    return true;
}

bool read_prompt(const cJSON *root, OpenAiRequest *out, OpenAiError *err) {
    const cJSON *prompt = member(root, "prompt");
    if (!prompt) {
        *err = invalid_param_error("prompt", "prompt is required");
        return false;
    }
    // The real server also takes an array and uses its first element.
    if (cJSON_IsArray(prompt)) prompt = prompt->child;
    if (!cJSON_IsString(prompt)) {
        *err = invalid_param_error("prompt", "prompt must be a string or an array of strings");
        return false;
    }
    out->prompt = prompt->valuestring;
    out->prompt_tokens = split_whitespace(out->prompt).size();
    return true;
}

// Checks an optional number member against [lo, hi] (open at lo when
// `lo_open`); `what` completes "<key> must be ...".
bool check_number(const cJSON *root, const char *key, double lo, bool lo_open, double hi, const char *what,
                  OpenAiError *err) {
    const cJSON *v = member(root, key);
    if (!v) return true;
    bool ok = cJSON_IsNumber(v) && (lo_open ? v->valuedouble > lo : v->valuedouble >= lo) && v->valuedouble <= hi;
    if (!ok) *err = invalid_param_error(key, std::string(key) + " must be " + what);
    return ok;
}

bool read_sampling(const cJSON *root, OpenAiRequest *out, OpenAiError *err) {
    if (const cJSON *v = member(root, "max_tokens")) {
        if (!is_integer(v) || v->valuedouble < 1) {
            *err = invalid_param_error("max_tokens", "max_tokens must be an integer >= 1");
            return false;
        }
        out->max_tokens = static_cast<uint64_t>(v->valuedouble);
    }
    if (!check_number(root, "temperature", 0, false, 1e9, "a number >= 0", err) ||
        !check_number(root, "top_p", 0, true, 1, "a number in (0, 1]", err) ||
        !check_number(root, "frequency_penalty", -2, false, 2, "a number in [-2, 2]", err) ||
        !check_number(root, "presence_penalty", -2, false, 2, "a number in [-2, 2]", err))
        return false;
    auto number_of = [&](const char *key, std::optional<double> *out_value) {
        if (const cJSON *v = member(root, key)) *out_value = v->valuedouble;
    };
    number_of("temperature", &out->temperature);
    number_of("top_p", &out->top_p);
    number_of("presence_penalty", &out->presence_penalty);
    number_of("frequency_penalty", &out->frequency_penalty);
    if (const cJSON *v = member(root, "seed")) {
        if (!is_integer(v)) {
            *err = invalid_param_error("seed", "seed must be an integer");
            return false;
        }
        out->seed = static_cast<int64_t>(v->valuedouble);
    }
    if (const cJSON *v = member(root, "top_k")) {
        if (!is_integer(v) || (v->valuedouble != -1 && v->valuedouble < 1)) {
            *err = invalid_param_error("top_k", "top_k must be -1 or an integer >= 1");
            return false;
        }
    }
    if (const cJSON *v = member(root, "stop")) {
        const char *msg = "stop must be a string or an array of strings";
        if (cJSON_IsString(v)) {
            if (*v->valuestring) out->stop.push_back(v->valuestring);
        } else if (cJSON_IsArray(v)) {
            for (const cJSON *s = v->child; s; s = s->next) {
                if (!cJSON_IsString(s)) {
                    *err = invalid_param_error("stop", msg);
                    return false;
                }
                if (*s->valuestring) out->stop.push_back(s->valuestring);
            }
        } else {
            *err = invalid_param_error("stop", msg);
            return false;
        }
    }
    return true;
}

bool read_streaming(const cJSON *root, OpenAiRequest *out, OpenAiError *err) {
    if (const cJSON *v = member(root, "stream")) {
        if (!cJSON_IsBool(v)) {
            *err = invalid_param_error("stream", "stream must be a boolean");
            return false;
        }
        out->stream = cJSON_IsTrue(v);
    }
    if (const cJSON *so = member(root, "stream_options")) {
        const cJSON *usage = cJSON_IsObject(so) ? member(so, "include_usage") : nullptr;
        if (!cJSON_IsObject(so) || (usage && !cJSON_IsBool(usage))) {
            *err = invalid_param_error("stream_options", "stream_options.include_usage must be a boolean");
            return false;
        }
        out->include_usage = cJSON_IsTrue(usage);
    }
    return true;
}

bool read_extensions(const cJSON *root, OpenAiTransport transport, const ServerOptions &options, OpenAiRequest *out,
                     OpenAiError *err) {
    if (const cJSON *v = member(root, "request_id")) {
        if (!cJSON_IsString(v)) {
            *err = invalid_param_error("request_id", "request_id must be a string");
            return false;
        }
        if (transport == OpenAiTransport::WebSocket) out->request_id = v->valuestring;
    }
    if (const cJSON *v = member(root, "delay_ms")) {
        if (!is_integer(v) || v->valuedouble < 0 || v->valuedouble > kMaxDelayMs) {
            *err = invalid_param_error("delay_ms", "delay_ms must be an integer 0..3600000");
            return false;
        }
        out->delay_ms = static_cast<uint64_t>(v->valuedouble);
    }
    if (const cJSON *v = member(root, "fault")) {
        std::string e = options.enable_faults ? parse_openai_faults(v, transport, out->stream, &out->faults)
                                              : std::string("faults are disabled");
        if (!e.empty()) {
            *err = invalid_param_error("fault", e);
            return false;
        }
    }
    return true;
}

}  // namespace

OpenAiError invalid_json_error() {
    OpenAiError e;
    e.message = "Invalid JSON";
    e.code = "invalid_json";
    return e;
}

OpenAiError invalid_param_error(std::string param, std::string message) {
    OpenAiError e;
    e.message = std::move(message);
    e.param = std::move(param);
    return e;
}

OpenAiError invalid_api_key_error() {
    OpenAiError e;
    e.http_status = 401;
    e.message = "Invalid API key";
    e.has_param = false;
    e.code = "invalid_api_key";
    return e;
}

OpenAiError rate_limit_error(const RateDecision &d) {
    OpenAiError e;
    e.http_status = 429;
    // Same text as the Realm protocol's RATE_LIMIT_EXCEEDED.
    e.message = "Rate limit exceeded. Try again in " + std::to_string(d.wait_seconds_floor) + " seconds.";
    e.type = "rate_limit_exceeded";
    e.code = "rate_limit_exceeded";
    e.retry_after_ms = d.retry_after_ms;
    return e;
}

OpenAiError server_error(std::string message) {
    OpenAiError e;
    e.http_status = 500;
    e.message = std::move(message);
    e.type = "server_error";
    e.code = "server_error";
    return e;
}

OpenAiError not_found_error(std::string message) {
    OpenAiError e;
    e.http_status = 404;
    e.message = std::move(message);
    e.code = "not_found";
    return e;
}

JsonPtr parse_json(std::string_view text) {
    if (!wire::is_valid_utf8(text)) return nullptr;
    return JsonPtr(cJSON_ParseWithLength(text.data(), text.size()));
}

std::optional<std::string> request_id_of(const cJSON *root) {
    const cJSON *v = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "request_id") : nullptr;
    if (!cJSON_IsString(v)) return std::nullopt;
    return std::string(v->valuestring);
}

bool validate_openai_request(const cJSON *root, OpenAiDialect dialect, OpenAiTransport transport,
                             const ServerOptions &options, OpenAiRequest *out, OpenAiError *err) {
    *out = OpenAiRequest{};
    out->dialect = dialect;
    if (!cJSON_IsObject(root)) {
        *err = invalid_param_error("", "the request must be a JSON object");
        err->param.reset();
        return false;
    }
    if (transport == OpenAiTransport::WebSocket) out->request_id = request_id_of(root);
    const cJSON *model = member(root, "model");
    if (!model) {
        *err = invalid_param_error("model", "model is required");
        return false;
    }
    if (!cJSON_IsString(model)) {
        *err = invalid_param_error("model", "model must be a string");
        return false;
    }
    out->model = model->valuestring;
    bool ok = (dialect == OpenAiDialect::Chat ? read_messages(root, out, err) : read_prompt(root, out, err)) &&
              read_sampling(root, out, err) && read_streaming(root, out, err) &&
              read_extensions(root, transport, options, out, err);
    if (!ok) return false;
    // The model is checked last: a malformed request is reported as such
    // whatever its model.
    const auto &models = options.models;
    if (!models.empty() && std::find(models.begin(), models.end(), out->model) == models.end()) {
        *err = invalid_param_error("model", "The model `" + out->model + "` does not exist");
        err->code = "model_not_found";
        err->http_status = 404;
        return false;
    }
    return true;
}

}  // namespace realm::server
