// --help texts of the tool and of each command.
#pragma once

#include <string>

namespace realm_cli {

std::string tool_help();
// "" for an unknown command or topic ("exit-codes" is a topic).
std::string command_help(const std::string &command);

}  // namespace realm_cli
