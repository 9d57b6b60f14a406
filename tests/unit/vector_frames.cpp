#include "vector_frames.h"

#include <fstream>
#include <sstream>

namespace realm_test {

std::string print(const cJSON *j) {
    char *s = cJSON_PrintUnformatted(j);
    std::string out(s);
    cJSON_free(s);
    return out;
}

const cJSON *vectors() {
    static Json root([] {
        std::ifstream f(REALM_VECTORS_FILE);
        std::stringstream ss;
        ss << f.rdbuf();
        return cJSON_Parse(ss.str().c_str());
    }());
    return root.p;
}

std::vector<Frame> frames(const char *dir) {
    std::vector<Frame> out;
    const cJSON *v;
    cJSON_ArrayForEach(v, vectors()) {
        std::string name = cJSON_GetObjectItem(v, "name")->valuestring;
        const cJSON *step;
        cJSON_ArrayForEach(step, cJSON_GetObjectItem(v, "steps")) {
            const cJSON *d = cJSON_GetObjectItem(step, "dir");
            const cJSON *j = cJSON_GetObjectItem(step, "json");
            if (j && std::string(d->valuestring) == dir) out.push_back({name, print(j)});
        }
    }
    return out;
}

}  // namespace realm_test
