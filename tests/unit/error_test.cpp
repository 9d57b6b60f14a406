#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/error.h"
#include "realm/realm.h"

namespace {

TEST(ErrorTable, CoversEveryStatusWithUniqueNames) {
    size_t n = 0;
    const realm_error_info_t *rows = realm::core::error_table(&n);
    ASSERT_EQ(n, 22u);
    std::set<std::string> names;
    std::set<int> statuses;
    for (size_t i = 0; i < n; ++i) {
        names.insert(rows[i].name);
        statuses.insert(rows[i].status);
        EXPECT_STRNE(rows[i].description, "");
    }
    EXPECT_EQ(names.size(), n);
    for (int s = 0; s >= REALM_ERR_QUEUE_FULL; --s) EXPECT_TRUE(statuses.count(s)) << s;
    EXPECT_STREQ(realm::core::error_info(REALM_ERR_RATE_LIMITED).name, "RATE_LIMIT_EXCEEDED");
    EXPECT_STREQ(realm::core::error_info(static_cast<realm_status_t>(-999)).name, "UNKNOWN");
}

TEST(ErrorMapping, ServerCodes) {
    using realm::core::error_from_server;
    EXPECT_EQ(error_from_server("UNAUTHORIZED", "Tenant ID mismatch", -1).status, REALM_ERR_UNAUTHORIZED);
    EXPECT_EQ(error_from_server("DISPATCH_ERROR", "x", -1).status, REALM_ERR_DISPATCH);
    EXPECT_EQ(error_from_server("INTERNAL_ERROR", "x", -1).status, REALM_ERR_SERVER_INTERNAL);
    EXPECT_EQ(error_from_server("BACKEND_ERROR", "x", -1).status, REALM_ERR_BACKEND);
    auto other = error_from_server("QUOTA_GONE", "no more", -1);
    EXPECT_EQ(other.status, REALM_ERR_SERVER);
    EXPECT_EQ(other.code, "QUOTA_GONE");  // unknown codes are kept verbatim
    EXPECT_EQ(other.message, "no more");
    auto rl = error_from_server("RATE_LIMIT_EXCEEDED", "Rate limit exceeded. Try again in 3 seconds.", -1);
    EXPECT_EQ(rl.retry_after_ms, 3000);
    EXPECT_TRUE(rl.retryable);
}

}  // namespace
