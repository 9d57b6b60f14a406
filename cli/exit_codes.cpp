#include "exit_codes.h"

#include <cstdio>

namespace realm_cli {

realm_error_category_t category_of(realm_status_t status) {
    size_t count = 0;
    const realm_error_info_t *table = realm_get_error_table(&count);
    for (size_t i = 0; i < count; i++)
        if (table[i].status == status) return table[i].category;
    return status == REALM_OK ? REALM_CATEGORY_NONE : REALM_CATEGORY_INTERNAL;
}

int exit_code_for_category(realm_error_category_t category) {
    if (category == REALM_CATEGORY_NONE) return kExitOk;
    return 2 + static_cast<int>(category);
}

int exit_code_for_status(realm_status_t status) { return exit_code_for_category(category_of(status)); }

const char *category_name(realm_error_category_t category) {
    switch (category) {
    case REALM_CATEGORY_NONE: return "none";
    case REALM_CATEGORY_ARGUMENT: return "argument";
    case REALM_CATEGORY_CONNECTION: return "connection";
    case REALM_CATEGORY_TIMEOUT: return "timeout";
    case REALM_CATEGORY_CANCELLED: return "cancelled";
    case REALM_CATEGORY_AUTH: return "auth";
    case REALM_CATEGORY_RATE_LIMIT: return "rate_limit";
    case REALM_CATEGORY_SERVER: return "server";
    case REALM_CATEGORY_PROTOCOL: return "protocol";
    case REALM_CATEGORY_INTERNAL: return "internal";
    }
    return "internal";
}

std::string exit_code_table() {
    size_t count = 0;
    const realm_error_info_t *table = realm_get_error_table(&count);
    std::string out;
    char line[160];
    std::snprintf(line, sizeof line, "  %3d  %-11s %s\n", kExitOk, "ok", "success");
    out += line;
    std::snprintf(line, sizeof line, "  %3d  %-11s %s\n", kExitFailure, "failure",
                  "outside the library (e.g. stdin unreadable)");
    out += line;
    std::snprintf(line, sizeof line, "  %3d  %-11s %s\n", kExitUsage, "usage", "bad command line (unknown command or option, bad value)");
    out += line;
    for (int c = REALM_CATEGORY_ARGUMENT; c <= REALM_CATEGORY_INTERNAL; c++) {
        auto cat = static_cast<realm_error_category_t>(c);
        std::string names;
        for (size_t i = 0; i < count; i++) {
            if (table[i].category != cat) continue;
            if (!names.empty()) names += ", ";
            names += table[i].name;
        }
        std::snprintf(line, sizeof line, "  %3d  %-11s ", exit_code_for_category(cat), category_name(cat));
        out += line;
        out += names.empty() ? "-" : names;
        out += "\n";
    }
    return out;
}

}  // namespace realm_cli
