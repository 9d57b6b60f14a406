// A request as the caller asked for it, before any dialect has put it on the
// wire. The C shim builds one from the public parameter structs; the dialect
// of the client encodes it (Realm `params`, an OpenAI request body, ...).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace realm::protocol {

enum class RequestKind {
    Generate,  // text completion from `prompt`
    Chat,      // chat completion from `messages`
    Pipeline,  // Realm pipeline `name` with input `json`
    Health,
    Metadata,
    Models,    // list of models
    Call,      // any function / endpoint `name` with raw JSON params `json`
};

const char *request_kind_name(RequestKind kind);

struct ChatMessage {
    std::string role;
    std::string content;
};

// Sampling fields of generate and chat. Unset values are omitted from the
// wire, so the server's defaults apply.
struct Sampling {
    std::string model;                // "" = none
    int64_t max_tokens = -1;          // < 0 = unset
    double temperature = -1;          // < 0 = unset
    double top_p = -1;                // < 0 = unset
    int64_t top_k = -1;               // < 0 = unset
    double repetition_penalty = -1;   // < 0 = unset
    bool has_presence_penalty = false;
    double presence_penalty = 0;
    bool has_frequency_penalty = false;
    double frequency_penalty = 0;
    bool has_seed = false;
    int64_t seed = 0;
    std::vector<std::string> stop;    // empty = unset
    bool stream = false;
};

struct RequestSpec {
    RequestKind kind = RequestKind::Generate;
    std::string prompt;                // Generate
    std::vector<ChatMessage> messages; // Chat
    Sampling sampling;                 // Generate, Chat
    std::string name;                  // Pipeline name, Call function or endpoint
    std::string json;                  // Pipeline input / Call params: valid JSON ("" = {})
    std::string extra_json;            // "" or a JSON object whose members are added to the body
                                       // (replacing same-named ones), values as written

    bool streaming() const {
        return (kind == RequestKind::Generate || kind == RequestKind::Chat) && sampling.stream;
    }
};

}  // namespace realm::protocol
