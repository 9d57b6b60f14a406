#include "generate_args.h"

#include "arguments.h"
#include "errors.h"

namespace realm_node {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;

void ReadMessages(Napi::Env env, const Napi::Value &list, const Napi::Value &system, GenerateArgs *a) {
    if (!list.IsArray())
        ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, "chat: 'messages' must be an array of { role, content } objects");
    Napi::Array arr = list.As<Napi::Array>();
    uint32_t n = arr.Length();
    a->texts.reserve(2 * (size_t(n) + 1));
    if (IsSet(system)) {
        a->texts.emplace_back("system");
        a->texts.push_back(StringArg(env, system, "chat: option 'systemPrompt'"));
    }
    for (uint32_t i = 0; i < n; ++i) {
        Napi::Value m = arr.Get(i);
        std::string at = "chat: messages[" + std::to_string(i) + "]";
        if (!m.IsObject() || m.IsArray())
            ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, at + " must be an object { role, content }");
        Napi::Object o = m.As<Napi::Object>();
        a->texts.push_back(StringArg(env, o.Get("role"), at + ".role"));
        a->texts.push_back(StringArg(env, o.Get("content"), at + ".content"));
    }
    if (a->texts.empty()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, "chat: 'messages' must hold at least one message");
    for (size_t i = 0; i < a->texts.size(); i += 2)
        a->messages.push_back({a->texts[i].c_str(), a->texts[i + 1].c_str()});
    a->params.prompt = nullptr;
    a->params.messages = a->messages.data();
    a->params.message_count = a->messages.size();
}

void ReadStop(Napi::Env env, const Napi::Value &v, GenerateArgs *a) {
    if (!IsSet(v)) return;
    if (v.IsString()) {
        a->stops.push_back(StringArg(env, v, "option 'stop'"));
    } else if (v.IsArray()) {
        Napi::Array arr = v.As<Napi::Array>();
        uint32_t n = arr.Length();
        a->stops.reserve(n);
        for (uint32_t i = 0; i < n; ++i)
            a->stops.push_back(StringArg(env, arr.Get(i), "option 'stop[" + std::to_string(i) + "]'"));
    } else {
        ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, "option 'stop' must be a string or an array of strings");
    }
    for (const std::string &s : a->stops) a->stop_ptrs.push_back(s.c_str());
    a->params.stop = a->stop_ptrs.data();
    a->params.stop_count = a->stop_ptrs.size();
}

}  // namespace

void ReadGenerateArgs(const Napi::CallbackInfo &info, size_t first, bool stream_all, GenerateArgs *a) {
    Napi::Env env = info.Env();
    auto arg = [&](size_t i) { return info[first + i]; };
    realm_generate_params_t &p = a->params;
    if (IsSet(arg(11))) {
        ReadMessages(env, arg(11), arg(16), a);
    } else {
        a->prompt = StringArg(env, arg(0), "generate: 'prompt'");
        p.prompt = a->prompt.c_str();
    }
    bool present;
    a->model = OptString(env, arg(1), "model", &present);
    if (present) p.model = a->model.c_str();
    double d;
    if (OptUint(env, arg(2), "maxTokens' or 'max_tokens", 0, kMaxSafeInteger, &d)) p.max_tokens = int64_t(d);
    p.temperature = NonNegative(env, arg(3), "temperature");
    p.top_p = NonNegative(env, arg(4), "topP' or 'top_p");
    if (OptUint(env, arg(5), "topK' or 'top_k", 0, kMaxSafeInteger, &d)) p.top_k = int64_t(d);
    p.repetition_penalty = NonNegative(env, arg(6), "repetitionPenalty' or 'repetition_penalty");
    bool stream = false;
    OptBool(env, arg(7), "stream", &stream);
    p.stream = (stream_all || stream) ? 1 : 0;
    if (arg(8).IsString()) {
        a->extra = StringArg(env, arg(8), "generate: 'extraParams'");
        p.extra_params_json = a->extra.c_str();
    }
    // arg(9), arg(10): timeout, idleTimeout
    ReadStop(env, arg(12), a);
    if (OptNumber(env, arg(13), "presencePenalty", &p.presence_penalty)) p.set |= REALM_PARAM_PRESENCE_PENALTY;
    if (OptNumber(env, arg(14), "frequencyPenalty", &p.frequency_penalty)) p.set |= REALM_PARAM_FREQUENCY_PENALTY;
    if (OptUint(env, arg(15), "seed", -kMaxSafeInteger, kMaxSafeInteger, &d)) {
        p.seed = int64_t(d);
        p.set |= REALM_PARAM_SEED;
    }
}

}  // namespace realm_node
