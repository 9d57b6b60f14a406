#include "http_request.h"

#include <cstring>
#include <vector>

namespace realm::server {
namespace {

std::string header(lws *wsi, lws_token_indexes token) {
    int len = lws_hdr_total_length(wsi, token);
    if (len <= 0) return {};
    std::vector<char> buf(static_cast<size_t>(len) + 1);
    int n = lws_hdr_copy(wsi, buf.data(), static_cast<int>(buf.size()), token);
    return n > 0 ? std::string(buf.data(), static_cast<size_t>(n)) : std::string();
}

}  // namespace

HttpMethod request_method(lws *wsi) {
    if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0) return HttpMethod::Post;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0) return HttpMethod::Get;
    return HttpMethod::Other;
}

namespace {

struct MethodUri {
    lws_token_indexes token;
    const char *name;
};
const MethodUri kMethods[] = {{WSI_TOKEN_GET_URI, "GET"},      {WSI_TOKEN_POST_URI, "POST"},
                              {WSI_TOKEN_OPTIONS_URI, "OPTIONS"}, {WSI_TOKEN_PUT_URI, "PUT"},
                              {WSI_TOKEN_PATCH_URI, "PATCH"},  {WSI_TOKEN_DELETE_URI, "DELETE"},
                              {WSI_TOKEN_HEAD_URI, "HEAD"}};

}  // namespace

std::string method_name(lws *wsi) {
    for (const MethodUri &m : kMethods)
        if (lws_hdr_total_length(wsi, m.token) > 0) return m.name;
    return "?";
}

std::string request_path(lws *wsi) {
    // lws keeps the path under the header of its method.
    for (const MethodUri &m : kMethods) {
        std::string p = header(wsi, m.token);
        if (!p.empty()) return p;
    }
    return {};
}

std::optional<std::string> query_param(lws *wsi, const char *name) {
    size_t name_len = std::strlen(name);
    int total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    if (total <= 0) return std::nullopt;
    std::vector<char> buf(static_cast<size_t>(total) + 1);
    for (int n = 0;; ++n) {
        int len = lws_hdr_copy_fragment(wsi, buf.data(), static_cast<int>(buf.size()), WSI_TOKEN_HTTP_URI_ARGS, n);
        if (len < 0) return std::nullopt;
        if (static_cast<size_t>(len) > name_len && std::strncmp(buf.data(), name, name_len) == 0 &&
            buf[name_len] == '=')
            return std::string(buf.data() + name_len + 1, static_cast<size_t>(len) - name_len - 1);
    }
}

std::optional<std::string> bearer_key(lws *wsi) {
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) <= 0) return std::nullopt;
    std::string v = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (v.size() < 7 || strncasecmp(v.c_str(), "bearer ", 7) != 0) return std::string();
    size_t start = v.find_first_not_of(' ', 7);
    return start == std::string::npos ? std::string() : v.substr(start);
}

std::optional<OpenAiDialect> openai_dialect_of(const std::string &path) {
    if (path == "/v1/chat/completions") return OpenAiDialect::Chat;
    if (path == "/v1/completions") return OpenAiDialect::Completions;
    return std::nullopt;
}

Credentials request_credentials(lws *wsi, const KeyStore &keys, bool allow_query) {
    Credentials c;
    std::optional<std::string> presented[2] = {bearer_key(wsi),
                                               allow_query ? query_param(wsi, "token") : std::nullopt};
    for (const auto &key : presented) {
        if (!key) continue;
        std::optional<std::string> tenant = tenant_of_key(keys, *key);
        if (!tenant) {
            c.state = Credentials::State::Invalid;
            return c;
        }
        c.state = Credentials::State::Valid;
        c.tenant = *tenant;
    }
    return c;
}

}  // namespace realm::server
