#include "server_frames.h"

#include "protocol/realm_wire.h"

namespace realm::frames {

std::string json_string(std::string_view s) {
    std::string out;
    wire::append_json_string(out, s);
    return out;
}

void append_uint(std::string &out, uint64_t v) {
    char buf[24];
    char *p = buf + sizeof buf;
    do {
        *--p = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    out.append(p, static_cast<size_t>(buf + sizeof buf - p));
}

std::string welcome(const std::optional<std::string> &tenant, std::string_view version, bool with_extensions) {
    std::string out = R"({"status":"connected","tenant_id":)";
    if (tenant)
        wire::append_json_string(out, *tenant);
    else
        out += "null";
    out += R"(,"version":)";
    wire::append_json_string(out, version);
    if (with_extensions) {
        out += R"(,"extensions":[)";
        const std::string_view names[] = {wire::kExtInterleave, wire::kExtCancel, wire::kExtRetryAfter,
                                          wire::kExtTerminal};
        for (size_t i = 0; i < 4; ++i) {
            if (i) out.push_back(',');
            wire::append_json_string(out, names[i]);
        }
        out.push_back(']');
    }
    out.push_back('}');
    return out;
}

std::string auth_required() {
    return R"({"message":"Please send authentication message with your API key","type":"auth_required"})";
}

std::string auth_success(std::string_view tenant) {
    std::string out = R"({"tenant_id":)";
    wire::append_json_string(out, tenant);
    out += R"(,"type":"auth_success"})";
    return out;
}

std::string auth_failed(std::string_view error) {
    std::string out = R"({"error":)";
    wire::append_json_string(out, error);
    out += R"(,"type":"auth_failed"})";
    return out;
}

std::string binary_not_supported() { return R"({"error":"Binary messages not supported"})"; }

std::string complete(std::string_view id_json, std::string_view data_json) {
    std::string out;
    out.reserve(40 + id_json.size() + data_json.size());
    out += R"({"id":)";
    out += id_json;
    out += R"(,"status":"complete","data":)";
    out += data_json;
    out.push_back('}');
    return out;
}

std::string error(std::string_view id_json, std::string_view code, std::string_view message,
                  std::string_view details_json) {
    std::string out = R"({"id":)";
    out += id_json;
    out += R"(,"status":"error","error":{"code":)";
    wire::append_json_string(out, code);
    out += R"(,"message":)";
    wire::append_json_string(out, message);
    if (!details_json.empty()) {
        out += R"(,"details":)";
        out += details_json;
    }
    out += "}}";
    return out;
}

std::string cancelled(std::string_view id_json, uint64_t tokens_generated) {
    std::string out = R"({"id":)";
    out += id_json;
    out += R"(,"status":"cancelled","data":{"tokens_generated":)";
    append_uint(out, tokens_generated);
    out += "}}";
    return out;
}

std::string stream_complete(std::string_view id_json, uint64_t tokens_generated) {
    std::string data = R"({"status":"complete","tokens_generated":)";
    append_uint(data, tokens_generated);
    data.push_back('}');
    return complete(id_json, data);
}

void append_token(std::string &out, std::string_view id_json, uint64_t index, bool is_final,
                  std::string_view text_json) {
    out += R"({"id":)";
    out += id_json;
    out += R"(,"status":"streaming","data":{"index":)";
    append_uint(out, index);
    out += is_final ? R"(,"is_final":true,"text":)" : R"(,"is_final":false,"text":)";
    out += text_json;
    out += "}}";
}

}  // namespace realm::frames
