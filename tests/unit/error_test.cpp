#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/error.h"
#include "protocol/realm/realm_dialect.h"
#include "realm/realm.h"

namespace {

TEST(ErrorTable, CoversEveryStatusWithUniqueNames) {
    size_t n = 0;
    const realm_error_info_t *rows = realm::core::error_table(&n);
    ASSERT_EQ(n, 25u);
    std::set<std::string> names;
    std::set<int> statuses;
    for (size_t i = 0; i < n; ++i) {
        names.insert(rows[i].name);
        statuses.insert(rows[i].status);
        EXPECT_STRNE(rows[i].description, "");
    }
    EXPECT_EQ(names.size(), n);
    for (int s = 0; s >= REALM_ERR_TOO_MANY_CONNECTIONS; --s) EXPECT_TRUE(statuses.count(s)) << s;
    EXPECT_STREQ(realm::core::error_info(REALM_ERR_RATE_LIMITED).name, "RATE_LIMIT_EXCEEDED");
    EXPECT_STREQ(realm::core::error_info(static_cast<realm_status_t>(-999)).name, "UNKNOWN");
}

// A Realm error frame with `code` and `message`, decoded and mapped.
realm::core::Error realm_error(const std::string &code, const std::string &message) {
    static auto dialect = realm::protocol::make_realm_dialect();
    realm::protocol::InboundFrame f;
    std::string frame = R"({"id":"r1","status":"error","error":{"code":")" + code + R"(","message":")" + message + "\"}}";
    dialect->decode(frame, f);  // the frame's views point into `frame`
    EXPECT_EQ(f.kind, realm::protocol::FrameKind::Error);
    return realm::core::error_from_frame(f);
}

TEST(ErrorMapping, ServerCodes) {
    EXPECT_EQ(realm_error("UNAUTHORIZED", "Tenant ID mismatch").status, REALM_ERR_UNAUTHORIZED);
    EXPECT_EQ(realm_error("DISPATCH_ERROR", "x").status, REALM_ERR_DISPATCH);
    EXPECT_EQ(realm_error("INTERNAL_ERROR", "x").status, REALM_ERR_SERVER_INTERNAL);
    EXPECT_EQ(realm_error("BACKEND_ERROR", "x").status, REALM_ERR_BACKEND);
    auto other = realm_error("QUOTA_GONE", "no more");
    EXPECT_EQ(other.status, REALM_ERR_SERVER);
    EXPECT_EQ(other.code, "QUOTA_GONE");  // unknown codes are kept verbatim
    EXPECT_EQ(other.message, "no more");
    auto rl = realm_error("RATE_LIMIT_EXCEEDED", "Rate limit exceeded. Try again in 3 seconds.");
    EXPECT_EQ(rl.retry_after_ms, 3000);
    EXPECT_TRUE(rl.retryable);
}

}  // namespace
