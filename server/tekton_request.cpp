#include "tekton_request.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "http_router.h"
#include "protocol/realm_wire.h"

namespace realm::server {
namespace {

constexpr const char *kProvider = "realm";

std::string timestamp() {
    std::timespec ts{};
    std::timespec_get(&ts, TIME_UTC);
    std::tm tm{};
    gmtime_r(&ts.tv_sec, &tm);
    char buf[40];
    size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03ldZ", ts.tv_nsec / 1000000);
    return buf;
}

uint64_t word_count(std::string_view s) {
    std::istringstream in{std::string(s)};
    uint64_t n = 0;
    for (std::string w; in >> w;) ++n;
    return n;
}

void add_message(OpenAiRequest &req, std::string role, std::string content) {
    req.prompt_tokens += word_count(content);
    if (role == "user" || req.prompt.empty()) req.prompt = content;
    req.messages.push_back(ChatMessage{std::move(role), std::move(content)});
}

}  // namespace

std::string read_tekton_chat(const ServerOptions &o, const cJSON *root, TektonText text, bool system_prompt,
                             TektonChat *out) {
    OpenAiRequest &req = out->req;
    const cJSON *system = cJSON_GetObjectItemCaseSensitive(root, "system_prompt");
    if (system_prompt && cJSON_IsString(system) && *system->valuestring)
        add_message(req, "system", system->valuestring);
    if (text == TektonText::Prompt) {
        const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(root, "prompt");
        if (!cJSON_IsString(prompt)) return "prompt must be a string";
        add_message(req, "user", prompt->valuestring);
    } else {
        const cJSON *messages = cJSON_GetObjectItemCaseSensitive(root, "messages");
        if (!cJSON_IsArray(messages) || cJSON_GetArraySize(messages) == 0) return "messages must not be empty";
        const cJSON *m = nullptr;
        cJSON_ArrayForEach(m, messages) {
            const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
            const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");
            if (!cJSON_IsString(role) || !cJSON_IsString(content))
                return "every message needs a string role and content";
            add_message(req, role->valuestring, content->valuestring);
        }
    }
    const cJSON *model_id = cJSON_GetObjectItemCaseSensitive(root, "model_id");
    out->model_given = cJSON_IsString(model_id);
    out->model = out->model_given ? model_id->valuestring : o.models.empty() ? kDefaultModel : o.models.front();
    if (!o.models.empty() && std::find(o.models.begin(), o.models.end(), out->model) == o.models.end())
        return "Unknown model: " + out->model;
    const cJSON *context = cJSON_GetObjectItemCaseSensitive(root, "context_id");
    out->context_id = cJSON_IsString(context) ? context->valuestring : "default";
    const cJSON *options = cJSON_GetObjectItemCaseSensitive(root, "options");
    const cJSON *max_tokens = cJSON_GetObjectItemCaseSensitive(options, "max_tokens");
    if (cJSON_IsNumber(max_tokens) && max_tokens->valuedouble >= 1) req.max_tokens = uint64_t(max_tokens->valuedouble);
    const cJSON *stop = cJSON_GetObjectItemCaseSensitive(options, "stop");
    if (cJSON_IsString(stop) && *stop->valuestring) req.stop.push_back(stop->valuestring);
    const cJSON *s = nullptr;
    if (cJSON_IsArray(stop)) cJSON_ArrayForEach(s, stop) {
            if (cJSON_IsString(s) && *s->valuestring) req.stop.push_back(s->valuestring);
        }
    const cJSON *temperature = cJSON_GetObjectItemCaseSensitive(options, "temperature");
    if (cJSON_IsNumber(temperature)) req.temperature = temperature->valuedouble;
    return {};
}

std::string tekton_common_members(const TektonChat &chat) {
    std::string common = ",\"context_id\":";
    wire::append_json_string(common, chat.context_id);
    common += ",\"model\":";
    wire::append_json_string(common, chat.model);
    common += ",\"provider\":\"";
    common += kProvider;
    common += "\",\"timestamp\":\"" + timestamp() + '"';
    return common;
}

UpstreamAsk tekton_upstream_ask(const TektonChat &chat, const char *dialect) {
    UpstreamAsk a;
    a.model = chat.model_given ? chat.model : std::string();
    a.messages = chat.req.messages;
    a.max_tokens = chat.req.max_tokens;
    a.stop = chat.req.stop;
    a.temperature = chat.req.temperature;
    a.dialect = dialect;
    return a;
}

}  // namespace realm::server
