// The frames of the protocol test vectors (tests/data/realm-vectors.json, a
// copy of the spec's file), for the unit tests that feed them to the codecs.
#pragma once

#include <cjson/cJSON.h>

#include <string>
#include <vector>

namespace realm_test {

// Owns one parsed cJSON tree.
struct Json {
    cJSON *p = nullptr;
    explicit Json(cJSON *j) : p(j) {}
    ~Json() { cJSON_Delete(p); }
    Json(const Json &) = delete;
    Json &operator=(const Json &) = delete;
};

// Compact JSON text of `j`.
std::string print(const cJSON *j);

// The whole vectors file (an array of vectors), parsed once; nullptr if it
// could not be read.
const cJSON *vectors();

struct Frame {
    std::string vector;  // name of the vector the frame comes from
    std::string json;    // the frame, as compact JSON text
};

// Every JSON frame of every vector sent in direction `dir` ("s2c" or "c2s").
std::vector<Frame> frames(const char *dir);

}  // namespace realm_test
