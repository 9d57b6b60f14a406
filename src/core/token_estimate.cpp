#include "core/token_estimate.h"

#include "protocol/realm_wire.h"

namespace realm::core {

int64_t estimate_tokens(std::string_view text) {
    if (!wire::is_valid_utf8(text)) return -1;
    int64_t code_points = 0;
    for (unsigned char c : text)
        if ((c & 0xC0) != 0x80) ++code_points;  // every byte but continuation bytes starts a code point
    return code_points / 4 + 1;
}

}  // namespace realm::core
