#include "key_store.h"

#include <cjson/cJSON.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "serde/server_serde.h"

namespace realm::server {

bool KeyStore::load_file(const std::string &path, std::string *error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        *error = "cannot read " + path;
        return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    std::unique_ptr<cJSON, decltype(&cJSON_Delete)> root(cJSON_ParseWithLength(text.data(), text.size()),
                                                          cJSON_Delete);
    if (!root || !cJSON_IsArray(root.get())) {
        *error = path + ": expected a JSON array of key records";
        return false;
    }
    int index = 0;
    for (cJSON *rec = root->child; rec; rec = rec->next, ++index) {
        cJSON *key = cJSON_GetObjectItemCaseSensitive(rec, "key");
        cJSON *tenant = cJSON_GetObjectItemCaseSensitive(rec, "tenant_id");
        cJSON *enabled = cJSON_GetObjectItemCaseSensitive(rec, "enabled");
        if (!cJSON_IsString(key) || !cJSON_IsString(tenant) || !cJSON_IsBool(enabled)) {
            *error = path + ": record " + std::to_string(index) +
                     " needs string \"key\", string \"tenant_id\" and boolean \"enabled\"";
            return false;
        }
        keys_[key->valuestring] = ApiKey{tenant->valuestring, cJSON_IsTrue(enabled) != 0};
    }
    return true;
}

const ApiKey *KeyStore::find(const std::string &key) const {
    auto it = keys_.find(key);
    return it == keys_.end() ? nullptr : &it->second;
}

std::optional<std::string> tenant_of_key(const KeyStore &store, const std::string &key) {
    const ApiKey *k = store.find(key);
    if (!k || !k->enabled) return std::nullopt;
    return k->tenant_id;
}

AuthOutcome check_auth_frame(const KeyStore &store, const std::string &text, bool refuse_all) {
    AuthOutcome out;
    serde::AuthMessage msg;
    std::string decode_error;
    if (!serde::decode_auth_message(text, &msg, &decode_error) || msg.type != "auth") {
        out.error = R"(Invalid authentication message format. Expected: {"type":"auth","api_key":"your-key"})";
        return out;
    }
    const ApiKey *key = refuse_all ? nullptr : store.find(msg.api_key);
    if (!key) {
        out.error = "Invalid API key";
        return out;
    }
    if (!key->enabled) {
        out.error = "API key is disabled";
        return out;
    }
    out.ok = true;
    out.tenant = key->tenant_id;
    return out;
}

}  // namespace realm::server
