// Option and header values: the string-keyed setter of the C API,
// realm_options_set(opts, key, value, &err), which every typed setter and
// binding goes through (src/core/option_table.cpp, URL parsing included).
// Input: byte 0 picks a key (or, past the table, the key is the text up to
// the first NUL), the rest is the value.
// Invariants:
//  - the C API and the core table give the same status;
//  - a refused value leaves every option unchanged, and comes with an error
//    whose message is valid UTF-8 when key and value are;
//  - a refused api_key or header value is never quoted in the message;
//  - an accepted value is accepted again.
#include "core/option_table.h"
#include "fuzz_support.h"
#include "realm/realm.h"

using namespace realm;
using namespace realm::core;

namespace {

const char *const kKeys[] = {"url", "api_key", "tenant_id", "model", "dialect", "header", "connect_timeout_ms",
                             "request_timeout_ms", "idle_timeout_ms", "reconnect", "backoff_base_ms",
                             "backoff_cap_ms", "backoff_max_attempts", "backoff_jitter_percent",
                             "ping_interval_ms", "tls_ca_file", "tls_insecure", "max_message_size",
                             "max_queued_requests", "busy_poll_us", "max_connections", "auth_message",
                             "multiplex", "json_ping", "endpoint"};
constexpr size_t kNumKeys = sizeof kKeys / sizeof kKeys[0];

std::string snapshot(const Options &o) {
    std::string s;
    auto add = [&](const std::string &v) { s += std::to_string(v.size()) + ":" + v + ","; };
    add(std::to_string(o.server.http) + std::to_string(o.server.tls) + o.server.host + "|" +
        std::to_string(o.server.port) + o.server.path);
    for (const std::string *v : {&o.api_key, &o.tenant_id, &o.model, &o.tls_ca_file, &o.dialect, &o.endpoint}) add(*v);
    for (uint64_t n : {uint64_t(o.connect_timeout_ms), uint64_t(o.request_timeout_ms), uint64_t(o.idle_timeout_ms),
                       uint64_t(o.reconnect), uint64_t(o.backoff_base_ms), uint64_t(o.backoff_cap_ms),
                       uint64_t(o.backoff_max_attempts), uint64_t(o.backoff_max_attempts_set),
                       uint64_t(o.backoff_jitter_percent), uint64_t(o.ping_interval_ms), uint64_t(o.tls_insecure),
                       uint64_t(o.max_message_size), uint64_t(o.max_queued_requests), uint64_t(o.busy_poll_us),
                       uint64_t(o.max_connections), uint64_t(o.auth_message), uint64_t(o.multiplex),
                       uint64_t(o.json_ping)})
        add(std::to_string(n));
    for (auto &h : o.headers) add(h.first + ": " + h.second);
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    std::string rest(reinterpret_cast<const char *>(data) + 1, size - 1);
    std::string key, value;
    if (data[0] < kNumKeys) {
        key = kKeys[data[0]];
        value = rest.substr(0, rest.find('\0'));
    } else {
        size_t z = rest.find('\0');
        key = rest.substr(0, z);
        if (z != std::string::npos) value = rest.substr(z + 1, rest.find('\0', z + 1) - z - 1);
    }

    // Options that differ from the defaults, so "unchanged" means something.
    Options o;
    set_option(o, "url", "https://example.com:8443/v1?x=1");
    set_option(o, "api_key", "sk-before");
    set_option(o, "header", "X-Before: 1");
    set_option(o, "request_timeout_ms", "1234");
    const std::string before = snapshot(o);
    OptionResult r = set_option(o, key, value.c_str());
    if (r.status != REALM_OK) {
        FUZZ_CHECK(snapshot(o) == before, "a refused value changed the options (key " + key + ")");
        FUZZ_CHECK(!r.why.empty(), "a refusal without a reason");
        if (fuzz::utf8(key) && fuzz::utf8(value)) FUZZ_CHECK(fuzz::utf8(r.why), "reason is not valid UTF-8: " + r.why);
        if (key == "api_key" && value.size() >= 4)
            FUZZ_CHECK(r.why.find(value) == std::string::npos, "a refused api_key is quoted");
        if (key == "header") {
            size_t colon = value.find(':');
            std::string hv = colon == std::string::npos ? "" : value.substr(colon + 1);
            // (unless the value is part of the rule's own text, e.g. "!#$%&'*+-")
            const std::string rule = "header: the name must be an HTTP token (letters, digits, !#$%&'*+-.^_`|~)";
            if (hv.size() >= 8 && value.substr(0, colon).find(hv) == std::string::npos &&
                rule.find(hv) == std::string::npos)
                FUZZ_CHECK(r.why.find(hv) == std::string::npos, "a refused header value is quoted");
        }
    } else {
        Options again = o;
        FUZZ_CHECK(set_option(again, key, value.c_str()).status == REALM_OK, "an accepted value is refused the second time");
        if (key == "url") FUZZ_CHECK(!o.server.host.empty() && o.server.port > 0, "accepted URL without host or port");
    }

    realm_options_t *opts = realm_options_new();
    realm_error_t *err = nullptr;
    realm_status_t s = realm_options_set(opts, key.c_str(), value.c_str(), &err);
    FUZZ_CHECK(s == r.status, "realm_options_set and set_option disagree");
    FUZZ_CHECK((s == REALM_OK) == (err == nullptr), "error object iff failure");
    if (err) {
        const char *m = realm_error_message(err);
        FUZZ_CHECK(m && *m, "error without a message");
        realm_error_destroy(err);
    }
    realm_options_destroy(opts);
    return 0;
}
