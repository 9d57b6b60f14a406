#include "ws_system_clients.h"

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <sys/time.h>

namespace realm::server {
namespace {

std::string iso_now() {
    timeval tv{};
    gettimeofday(&tv, nullptr);
    std::tm tm{};
    gmtime_r(&tv.tv_sec, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(tv.tv_usec / 1000));
    return buf;
}

const char *string_member(const cJSON *obj, const char *name) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : nullptr;
}

void set_string_member(cJSON *obj, const char *name, const std::string &value) {
    cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
    cJSON_AddStringToObject(obj, name, value.c_str());
}

}  // namespace

bool WsClientRegistry::load(const std::string &path, std::string *error) {
    path_ = path;
    clients_.clear();
    if (path.empty()) {
        doc_.reset(cJSON_CreateArray());
        return true;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        *error = "cannot read the ws-system clients file " + path;
        return false;
    }
    std::stringstream text;
    text << in.rdbuf();
    doc_ = parse_json(text.str());
    if (!doc_ || !cJSON_IsArray(doc_.get())) {
        *error = "the ws-system clients file " + path + " is not a JSON array";
        return false;
    }
    const cJSON *entry = nullptr;
    cJSON_ArrayForEach(entry, doc_.get()) {
        const char *id = string_member(entry, "id");
        if (!cJSON_IsObject(entry) || !id) continue;
        WsClient c;
        c.id = id;
        if (const char *alg = string_member(entry, "signatureAlgorithm")) c.algorithm = alg;
        if (const char *pem = string_member(entry, "publicKey")) c.key = parse_public_key_pem(pem);
        if (!c.key) std::fprintf(stderr, "realm-server: ws-system client %s: public key does not parse\n", id);
        clients_[c.id] = std::move(c);  // a later duplicate id wins
    }
    return true;
}

const WsClient *WsClientRegistry::find(const std::string &id) const {
    auto it = clients_.find(id);
    return it == clients_.end() ? nullptr : &it->second;
}

void WsClientRegistry::record_login(const std::string &id, const std::string &ip) {
    if (path_.empty() || !doc_) return;
    cJSON *entry = nullptr;
    cJSON_ArrayForEach(entry, doc_.get()) {
        const char *eid = string_member(entry, "id");
        if (eid && id == eid) {
            set_string_member(entry, "lastConnected", iso_now());
            set_string_member(entry, "lastIP", ip);
        }
    }
    char *text = cJSON_Print(doc_.get());
    if (!text) return;
    // Write aside and rename, so a crash never leaves half a registry.
    std::string tmp = path_ + ".tmp";
    bool ok = false;
    if (FILE *f = std::fopen(tmp.c_str(), "wb")) {
        ok = std::fputs(text, f) >= 0 && std::fputc('\n', f) != EOF;
        ok = (std::fclose(f) == 0) && ok;
    }
    cJSON_free(text);
    if (!ok || std::rename(tmp.c_str(), path_.c_str()) != 0) {
        std::remove(tmp.c_str());
        std::fprintf(stderr, "realm-server: cannot update %s (lastConnected)\n", path_.c_str());
    }
}

}  // namespace realm::server
