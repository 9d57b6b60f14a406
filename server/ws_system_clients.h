// ws-system's authorized-clients registry (ws-system.md 3.6): a JSON array
// of {"id","name","publicKey","createdAt","signatureAlgorithm"?,
// "lastConnected"?, "lastIP"?}, seeded before the server starts (for
// instance by scripts/ws-keygen). Like upstream, a successful login writes
// lastConnected and lastIP back into the file.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "openai_request.h"
#include "ws_system_crypto.h"

namespace realm::server {

struct WsClient {
    std::string id;
    std::string algorithm;  // "" = the default, SHA256
    PublicKeyPtr key;       // null: the PEM does not parse (never verifies)
};

class WsClientRegistry {
public:
    // Loads `path` (a JSON array; "" = no file, no clients). Entries without a
    // string id are skipped. Returns false with *error when the file is
    // unreadable or not a JSON array.
    bool load(const std::string &path, std::string *error);
    const WsClient *find(const std::string &id) const;
    size_t size() const { return clients_.size(); }

    // Writes lastConnected (ISO 8601 UTC, ms) and lastIP of `id` to the
    // file. Failures are logged and ignored: the login itself stands.
    void record_login(const std::string &id, const std::string &ip);

private:
    std::string path_;
    JsonPtr doc_;  // the file as read, updated by record_login
    std::unordered_map<std::string, WsClient> clients_;
};

}  // namespace realm::server
