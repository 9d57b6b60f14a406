#include "dispatcher.h"

#include <algorithm>

#include "protocol/realm_wire.h"
#include "serde/server_frames.h"
#include "serde/server_params.h"

namespace realm::server {
namespace {

std::string dispatch_error(const std::string &id_json, const std::string &message) {
    return frames::error(id_json, wire::kDispatchError, message);
}

std::string health_json(const ServerState &state) {
    if (!state.options.extended())
        return std::string(R"({"status":"healthy","uptime_seconds":0,"version":")") + kServerVersion + "\"}";
    const ServerStats &s = state.stats;
    uint64_t uptime = (monotonic_ns() - s.started_ns) / 1000000000ULL;
    return R"({"active_requests":)" + std::to_string(s.active_requests) + R"(,"cancelled_total":)" +
           std::to_string(s.cancelled_total) + R"(,"connections":)" + std::to_string(s.connections) +
           R"(,"status":"healthy","uptime_seconds":)" + std::to_string(uptime) + R"(,"version":")" +
           kServerVersion + "\"}";
}

// The tenant a generate runs as (realm.md section 6.1), or an error message.
bool generate_tenant(const serde::FunctionCall &call, const std::optional<std::string> &auth_tenant,
                     std::string *tenant, std::string *error) {
    if (auth_tenant) {
        *tenant = *auth_tenant;
        return true;
    }
    if (call.tenant_id) {
        std::string problem = wire::tenant_id_problem(*call.tenant_id);
        if (!problem.empty()) {
            *error = problem;
            return false;
        }
        *tenant = *call.tenant_id;
        return true;
    }
    *tenant = "default";
    return true;
}

CallOutcome generate(ServerState &state, const serde::FunctionCall &call, const std::string &id_json,
                     const std::optional<std::string> &auth_tenant) {
    const ServerOptions &opt = state.options;
    CallOutcome out;
    serde::GenerateOptions g;
    std::string err = serde::decode_generate_options(call.params, &g);
    if (!err.empty()) {
        out.frame = dispatch_error(id_json, err);
        return out;
    }
    auto spec = std::make_unique<JobSpec>();
    spec->delay_ns = opt.effective_token_delay_ms() * 1000000ULL;
    // Extension params: ignored by upstream (unknown keys), honoured here.
    if (opt.extended()) {
        if (const serde::Value *d = call.params.get("delay_ms")) {
            uint64_t ms = 0;
            err = serde::value_to_unsigned(*d, "u64", 3600000, &ms);
            if (!err.empty()) {
                out.frame = dispatch_error(id_json, "delay_ms: " + err);
                return out;
            }
            spec->delay_ns = ms * 1000000ULL;
        }
        if (const serde::Value *s = call.params.get("stamp")) {
            err = serde::value_to_bool(*s, &spec->stamp);
            if (!err.empty()) {
                out.frame = dispatch_error(id_json, "stamp: " + err);
                return out;
            }
        }
    }
    if (const serde::Value *f = call.params.get("fault")) {
        if (!opt.enable_faults) {
            out.frame = dispatch_error(id_json, "faults are disabled");
            return out;
        }
        err = parse_faults(*f, &spec->faults);
        if (!err.empty()) {
            out.frame = dispatch_error(id_json, err);
            return out;
        }
    }
    if (!generate_tenant(call, auth_tenant, &spec->tenant, &err)) {
        out.frame = dispatch_error(id_json, err);
        return out;
    }
    spec->id = call.id;
    spec->terminal_always = opt.extended();
    if (state.upstreams) {  // gateway: the prompt goes upstream as one user message
        UpstreamAsk ask;
        ask.messages.push_back(ChatMessage{"user", g.prompt});
        if (g.model) ask.model = *g.model;
        ask.max_tokens = g.max_tokens;  // the pool applies --max-tokens
        ask.temperature = g.temperature;
        ask.top_p = g.top_p;
        ask.dialect = "realm";
        spec->upstream = std::move(ask);
        spec->end = g.stream ? JobEnd::StreamComplete : JobEnd::Result;
        out.job = std::move(spec);
        return out;
    }
    if (opt.mode == Mode::UpstreamCli) {
        // The orchestrator path ignores `stream`: one complete frame.
        spec->end = JobEnd::Result;
        spec->result_json = generation_result_json(g.prompt, true, g.max_tokens);
    } else if (!g.stream) {
        spec->end = JobEnd::Result;
        spec->result_json = generation_result_json(g.prompt, false, g.max_tokens);
    } else {
        spec->words = stream_words(g.prompt);
        uint64_t n = g.max_tokens;
        if (!opt.extended()) n = std::min<uint64_t>(n, spec->words.size());  // upstream streams one sentence
        spec->tokens = std::min(n, opt.max_tokens);
        spec->end = (!opt.extended() && spec->tokens == 0) ? JobEnd::Silent : JobEnd::StreamComplete;
    }
    out.job = std::move(spec);
    return out;
}

std::string pipeline(ServerState &state, const serde::FunctionCall &call, const std::string &id_json) {
    if (state.options.mode == Mode::Upstream && state.pipelines.empty())
        return dispatch_error(id_json, "Orchestrator not available");
    const serde::Value *name = call.params.get("pipeline");
    if (!name || !name->is_string()) return dispatch_error(id_json, "Missing 'pipeline' parameter");
    auto it = std::find_if(state.pipelines.begin(), state.pipelines.end(),
                           [&](const Pipeline &p) { return p.name == name->as_string(); });
    if (it == state.pipelines.end()) return dispatch_error(id_json, "Pipeline not found: " + name->as_string());
    const serde::Value *input = call.params.get("input");
    serde::Value empty = serde::Value::object({});
    std::string data;
    std::string err = run_pipeline(*it, input ? *input : empty, &data);
    if (!err.empty()) return dispatch_error(id_json, err);
    return frames::complete(id_json, data);
}

}  // namespace

std::string metadata_json(bool with_cancel) {
    std::string out =
        R"J({"functions":[)J"
        R"J({"description":"Generate text completion from a prompt","name":"generate","params":[)J"
        R"J({"description":"Input text prompt","name":"prompt","required":true,"type":"String"},)J"
        R"J({"default":100,"description":"Maximum tokens to generate","name":"max_tokens","required":false,"type":"usize"},)J"
        R"J({"default":0.7,"description":"Sampling temperature (0.0-2.0)","name":"temperature","required":false,"type":"f64"},)J"
        R"J({"default":false,"description":"Enable token streaming","name":"stream","required":false,"type":"bool"}],)J"
        R"J("returns":"GenerationResult","streaming":true},)J"
        R"J({"description":"Check server health status","name":"health","params":[],"returns":"HealthStatus","streaming":false},)J"
        R"J({"description":"Get runtime metadata (available functions)","name":"metadata","params":[],"returns":"RuntimeMetadata","streaming":false},)J"
        R"J({"description":"Execute a multi-model pipeline","name":"pipeline","params":[)J"
        R"J({"description":"Pipeline name to execute","name":"pipeline","required":true,"type":"String"},)J"
        R"J({"description":"Input data for the pipeline","name":"input","required":true,"type":"Object"}],)J"
        R"J("returns":"PipelineResult","streaming":false})J";
    if (with_cancel)
        out += R"J(,{"description":"Cancel a running request of this connection","name":"cancel","params":[)J"
               R"J({"description":"Id of the request to cancel","name":"id","required":true,"type":"String"}],)J"
               R"J("returns":"CancelResult","streaming":false})J";
    out += R"J(],"version":")J";
    out += kServerVersion;
    out += "\"}";
    return out;
}

CallOutcome dispatch_call(ServerState &state, const serde::FunctionCall &call, const std::string &id_json,
                          const std::optional<std::string> &auth_tenant) {
    const bool extended = state.options.extended();
    CallOutcome out;
    if (call.function == wire::kGenerate) return generate(state, call, id_json, auth_tenant);
    if (call.function == wire::kPipeline) {
        out.frame = pipeline(state, call, id_json);
    } else if (call.function == wire::kHealth) {
        out.frame = frames::complete(id_json, health_json(state));
    } else if (call.function == wire::kMetadata) {
        static const std::string plain = metadata_json(false);
        static const std::string with_cancel = metadata_json(true);
        out.frame = frames::complete(id_json, extended ? with_cancel : plain);
    } else if (extended && call.function == wire::kCancel) {
        const serde::Value *target = call.params.get("id");
        if (!call.params.is_object()) {
            out.frame = dispatch_error(id_json, "invalid type: " + call.params.unexpected() +
                                                    ", expected struct CancelParams");
        } else if (!target) {
            out.frame = dispatch_error(id_json, "missing field `id`");
        } else if (!target->is_string()) {
            out.frame = dispatch_error(id_json, "invalid type: " + target->unexpected() + ", expected a string");
        } else {
            out.cancel = true;
            out.cancel_target = target->as_string();
            out.cancel_tenant = auth_tenant ? *auth_tenant : call.tenant_id.value_or("default");
        }
    } else {
        out.frame = dispatch_error(id_json, "Unknown function: " + call.function);
    }
    return out;
}

}  // namespace realm::server
