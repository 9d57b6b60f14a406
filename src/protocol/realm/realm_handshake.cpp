// The Realm handshake (realm.md 7, 12): wait for the server's first frame;
// `auth_required` -> send the key (or fail: none configured); `auth_success`
// -> check the tenant; `welcome` -> ready. A server without auth welcomes at
// once, so a key given to it is simply not used.
#include "protocol/realm/realm_dialect.h"
#include "protocol/realm_wire.h"

namespace realm::protocol {
namespace {

class RealmHandshake final : public Handshake {
public:
    explicit RealmHandshake(RealmDialect &dialect) : dialect_(dialect) {}

    HandshakeStep on_open() override {
        // Nothing is sent yet: the first frame says whether the server wants
        // credentials (auth_required) or is ready (welcome).
        return HandshakeStep::wait();
    }

    HandshakeStep on_message(std::string_view payload) override {
        InboundFrame &f = frame_;
        dialect_.decode(payload, f);
        const DialectConfig &cfg = dialect_.config();
        switch (f.kind) {
            case FrameKind::AuthRequired: {
                if (cfg.api_key.empty())
                    return HandshakeStep::fail(REALM_ERR_UNAUTHORIZED,
                                               "the server requires authentication but no API key is configured");
                std::string frame;
                dialect_.encode_auth(frame, cfg.api_key);
                sent_auth_ = true;
                return HandshakeStep::wait(std::move(frame));
            }
            case FrameKind::AuthSuccess:
                authenticated_ = true;
                auth_tenant_.assign(f.tenant_id);
                if (!cfg.tenant_id.empty() && cfg.tenant_id != auth_tenant_)
                    return HandshakeStep::fail(REALM_ERR_UNAUTHORIZED,
                                               "Tenant ID mismatch: the client is configured for tenant '" +
                                                   cfg.tenant_id + "' but the API key belongs to tenant '" +
                                                   auth_tenant_ + "'");
                return HandshakeStep::wait();
            case FrameKind::AuthFailed: {
                std::string why = "authentication failed";
                if (!f.message.empty()) why += ": " + std::string(f.message.substr(0, 200));
                // The server closes right after (realm.md 4): report its close code.
                return HandshakeStep::fail_then_close(REALM_ERR_UNAUTHORIZED, why);
            }
            case FrameKind::Welcome:
                if (sent_auth_ && !authenticated_)
                    return HandshakeStep::fail(REALM_ERR_PROTOCOL, "welcome received before auth_success");
                welcome(f);
                return HandshakeStep::ready();
            case FrameKind::Invalid:
                return HandshakeStep::fail(REALM_ERR_PROTOCOL, "invalid frame during the handshake: " + f.problem);
            default:
                return HandshakeStep::wait();  // e.g. an id:"unknown" notice: not ours to act on
        }
    }

    SessionInfo session() const override { return session_; }

private:
    void welcome(const InboundFrame &f) {
        const DialectConfig &cfg = dialect_.config();
        // Tenant in effect (realm.md 12.2-12.3): the authenticated tenant
        // wins; else the configured one; else one the server named; else
        // our own UUID.
        if (authenticated_) session_.tenant_id = auth_tenant_;
        else if (!cfg.tenant_id.empty()) session_.tenant_id = cfg.tenant_id;
        else if (f.has_tenant && wire::tenant_id_problem(f.tenant_id).empty()) session_.tenant_id.assign(f.tenant_id);
        else session_.tenant_id = dialect_.auto_tenant();
        session_.server_version.assign(f.version);
        for (auto e : f.extensions) {
            session_.extensions.emplace_back(e);
            if (e == wire::kExtInterleave) session_.interleave = true;
            else if (e == wire::kExtCancel) session_.server_cancel = true;
        }
    }

    RealmDialect &dialect_;
    InboundFrame frame_;
    bool sent_auth_ = false;
    bool authenticated_ = false;
    std::string auth_tenant_;
    SessionInfo session_;
};

}  // namespace

std::unique_ptr<Handshake> RealmDialect::new_handshake() { return std::make_unique<RealmHandshake>(*this); }

}  // namespace realm::protocol
