// Executes one decoded, authorised function call (realm.md section 6 plus
// the extensions): generate becomes a Job, everything else an immediate
// response frame. Cancel is only recognised here; the Session carries it out
// because it owns the jobs.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "job.h"
#include "serde/server_serde.h"
#include "server_state.h"

namespace realm::server {

struct CallOutcome {
    std::string frame;               // immediate response, or empty
    std::unique_ptr<JobSpec> job;    // a generate to run
    bool cancel = false;             // cancel `cancel_target` for `cancel_tenant`
    std::string cancel_target;
    std::string cancel_tenant;
};

// `auth_tenant` is the connection's authenticated tenant, if any.
CallOutcome dispatch_call(ServerState &state, const serde::FunctionCall &call, const std::string &id_json,
                          const std::optional<std::string> &auth_tenant);

// Static metadata data object for this server's mode.
std::string metadata_json(bool with_cancel);

}  // namespace realm::server
