// The commands of the `realm` tool. Each returns the process exit status.
#pragma once

#include "args.h"

#include <realm/realm.h>

namespace realm_cli {

int cmd_generate(const CommandLine &cl);
int cmd_info(const CommandLine &cl);  // models, health, metadata, call
int cmd_chat(const CommandLine &cl);
int cmd_bench(const CommandLine &cl);

// Sampling fields from the global options (max tokens, temperature), stream on.
realm_generate_params_t generate_params(const GlobalOptions &g);

}  // namespace realm_cli
