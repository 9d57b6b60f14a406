// JSON checks and merging for user-supplied parameters (cold path: once per
// request, on the caller's thread), done with cJSON.
#include <cjson/cJSON.h>

#include <memory>
#include <string>

#include "dialect.h"

namespace realm::protocol {
namespace {
struct CJsonDeleter {
    void operator()(cJSON *j) const { cJSON_Delete(j); }
};
using CJsonPtr = std::unique_ptr<cJSON, CJsonDeleter>;

CJsonPtr parse_exact(std::string_view json) {
    const char *end = nullptr;
    cJSON *j = cJSON_ParseWithLengthOpts(json.data(), json.size(), &end, 0);
    if (!j) return nullptr;
    // Reject trailing garbage after the value.
    while (end && end < json.data() + json.size() &&
           (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
        ++end;
    if (end != json.data() + json.size()) {
        cJSON_Delete(j);
        return nullptr;
    }
    return CJsonPtr(j);
}
}  // namespace

bool is_valid_json(std::string_view json) { return parse_exact(json) != nullptr; }

bool merge_json_objects(std::string &params, std::string_view extra_json, std::string *error) {
    CJsonPtr base = parse_exact(params);
    CJsonPtr extra = parse_exact(extra_json);
    if (!base || !cJSON_IsObject(base.get())) {
        if (error) *error = "params are not a JSON object";
        return false;
    }
    if (!extra || !cJSON_IsObject(extra.get())) {
        if (error) *error = "extra params are not a JSON object";
        return false;
    }
    for (cJSON *m = extra->child; m;) {
        cJSON *next = m->next;
        cJSON *item = cJSON_DetachItemViaPointer(extra.get(), m);
        cJSON_DeleteItemFromObjectCaseSensitive(base.get(), item->string);
        cJSON_AddItemToObject(base.get(), item->string, item);
        m = next;
    }
    char *text = cJSON_PrintUnformatted(base.get());
    if (!text) {
        if (error) *error = "out of memory";
        return false;
    }
    params.assign(text);
    cJSON_free(text);
    return true;
}

}  // namespace realm::protocol
