// The object behind realm_batch_t: requests accepted into a batch, held
// until realm_batch_send hands them to the client core as one frame.
#pragma once

#include <mutex>
#include <vector>

#include "realm/realm.h"

struct realm_batch {
    realm_client_t *client = nullptr;
    std::mutex mu;                          // requests may be started from several threads
    std::vector<realm_request_t *> held;    // one reference each, in start order
};
