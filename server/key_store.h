// API key store of realm.md section 4: a JSON array of key records
// {"key","tenant_id","enabled",...}; the per-key rate_limit is not applied
// (upstream ignores it too).
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

namespace realm::server {

struct ApiKey {
    std::string tenant_id;
    bool enabled = true;
};

class KeyStore {
public:
    // Loads `path`; on failure returns false with a reason in *error.
    bool load_file(const std::string &path, std::string *error);
    const ApiKey *find(const std::string &key) const;
    size_t size() const { return keys_.size(); }

private:
    std::unordered_map<std::string, ApiKey> keys_;
};

// The tenant of `key` when it exists and is enabled (the OpenAI dialects
// take keys from headers, query strings and auth frames alike).
std::optional<std::string> tenant_of_key(const KeyStore &store, const std::string &key);

// Outcome of the first frame of an authenticating connection.
struct AuthOutcome {
    bool ok = false;
    std::string tenant;  // when ok
    std::string error;   // auth_failed text when !ok
};

// Checks an auth frame the way upstream does: decode {type, api_key}, type
// must be "auth", key must exist and be enabled. `refuse_all` is the
// refuse_auth fault: every attempt fails as an unknown key.
AuthOutcome check_auth_frame(const KeyStore &store, const std::string &text, bool refuse_all);

inline constexpr const char *kAuthNotText = "Authentication message must be text";

}  // namespace realm::server
