// Fault injection (only with --enable-faults): per-request faults from the
// generate param "fault", and per-connection faults from the upgrade URL's
// query string. Client tests use them to provoke every failure mode a real
// server or network can produce.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <libwebsockets.h>

#include "serde/server_json_value.h"

namespace realm::server {

enum class FaultType {
    Drop,          // drop TCP without a close frame
    Stall,         // send nothing for this request for `ms`
    Malformed,     // one text frame that is not JSON
    InvalidUtf8,   // one text frame with invalid UTF-8
    Oversized,     // next token's text is `bytes` long
    Close,         // close with `code` / `reason`
    BackendError,  // backend fails (BACKEND_ERROR in extended mode)
    UnknownId,     // a streaming frame for an id never used
    WrongTypes,    // a streaming frame whose data.text is a number
    Binary,        // one binary frame
    Fragmented,    // next token frame split into fragments of `bytes` (default 3)
};

struct Fault {
    FaultType type = FaultType::Drop;
    uint64_t after = 0;  // fires once this many token frames were sent
    uint64_t ms = 0;
    uint64_t bytes = 0;
    uint16_t code = 4000;
    std::string reason;
};

// Parses the "fault" param: one object or an array of objects, each with
// "type" and "after" (default 0) plus the type's own fields. Returns "" or
// the DISPATCH_ERROR message. The result is sorted by `after`.
std::string parse_faults(const serde::Value &v, std::vector<Fault> *out);

struct ConnectionFaults {
    bool refuse_auth = false;          // ?fault=refuse_auth
    bool reject_upgrade = false;       // ?fault=reject_upgrade&status=N
    int reject_status = 503;
    bool close_after_welcome = false;  // ?fault=close_after_welcome&code=N
    uint16_t close_code = 4001;
    bool no_welcome = false;           // ?fault=no_welcome
};

// Reads the connection faults from the request's query string (during the
// HTTP upgrade or in ESTABLISHED, while the headers are still available).
ConnectionFaults connection_faults_from_query(lws *wsi);

}  // namespace realm::server
