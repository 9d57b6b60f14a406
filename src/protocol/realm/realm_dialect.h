// The Realm function-dispatch protocol (realm.md, realm-extensions.md): one
// multiplexed WebSocket, requests and frames tied by `id`, an in-band auth
// handshake with tenants, and the librealm extensions a server announces in
// its welcome (interleave, cancel, retry_after, terminal).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "protocol/dialect.h"

namespace realm::protocol {

class JsonCursor;

class RealmDialect final : public Dialect {
public:
    explicit RealmDialect(DialectConfig config);

    std::string_view name() const override { return "realm"; }
    const Capabilities &capabilities() const override { return caps_; }
    bool accepts(const RequestSpec &spec, std::string *why) const override;
    HeaderList request_headers() const override { return config_.headers; }
    std::unique_ptr<Handshake> new_handshake() override;
    void encode_request(std::string &out, std::string_view id, const RequestSpec &spec,
                        const SessionInfo &session) const override;
    bool encode_cancel(std::string &out, std::string_view cancel_id, std::string_view target_id,
                       const SessionInfo &session) const override;
    void decode(std::string_view frame, InboundFrame &f) override;

    // The protocol's own frames (public for the codec tests).
    void encode_auth(std::string &out, std::string_view api_key) const;
    void encode_call(std::string &out, std::string_view id, std::string_view function,
                     std::string_view params_json, std::string_view tenant_id) const;

    const DialectConfig &config() const { return config_; }
    // The random UUIDv4 used as tenant when nobody names one (realm.md 8.1).
    const std::string &auto_tenant() const { return auto_tenant_; }

private:
    bool read_data(JsonCursor &c, InboundFrame &f, bool *text_wrong_type);
    bool read_error(JsonCursor &c, InboundFrame &f);

    DialectConfig config_;
    Capabilities caps_;
    std::string auto_tenant_;
    std::string arena_;  // decoded strings of the last frame
};

std::unique_ptr<RealmDialect> make_realm_dialect(DialectConfig config = {});

// Realm `generate` params of a Generate or Chat request:
// {"prompt":…[,"model":…][,"max_tokens":…]…,"stream":B} plus the user's
// extra members. A chat is sent as a prompt: the single user message as it
// is, else the conversation as "Role: content" lines ending in "Assistant:".
void encode_generate_params(std::string &out, const RequestSpec &spec);
// Pipeline params: {"pipeline": name, "input": input_json}.
void encode_pipeline_params(std::string &out, std::string_view name, std::string_view input_json);

// The status of a Realm error code ("RATE_LIMIT_EXCEEDED" -> REALM_ERR_RATE_LIMITED).
realm_status_t realm_error_status(std::string_view code);
// Fills f.status and, for rate limits without details.retry_after_ms, the
// retry-after parsed from "Try again in N seconds" (at least 1 s, realm.md 8.2).
void map_error(InboundFrame &f);

}  // namespace realm::protocol
