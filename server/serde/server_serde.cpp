// serde_json::from_str for the upstream envelope types (FunctionCall,
// AuthMessage) and for Value: derived-struct decoding (fields by name or by
// position, serde(default), duplicate and missing fields) on top of the
// reader in server_serde_reader.h.
#include "server_serde.h"

#include "server_serde_reader.h"

#include <string>

namespace realm::serde {
namespace {

using detail::Code;
using detail::Error;
using detail::custom;

// How a struct field is decoded.
enum class FieldKind { String, OptionalString, AnyValue };

struct FieldSpec {
    const char *name;
    FieldKind kind;
    bool defaulted;  // #[serde(default)]: may be missing, also in positional form
};

struct FieldSlot {
    bool present = false;
    std::string text;                  // String / OptionalString
    bool is_none = true;               // OptionalString
    Value value;                       // AnyValue
};

// Deserializer plus Deserialize for a derived struct.
class StructDeserializer : public detail::Deserializer {
public:
    using Deserializer::Deserializer;

    // Deserialize::deserialize for a derived struct, then Deserializer::end.
    void decode_struct(const std::string &name, const FieldSpec *fields, size_t n, FieldSlot *slots) {
        deserialize_struct(name, fields, n, slots);
        end();
    }

private:
    void deserialize_field(const FieldSpec &spec, FieldSlot *slot) {
        switch (spec.kind) {
            case FieldKind::String:
                slot->text = deserialize_string();
                break;
            case FieldKind::OptionalString:
                if (parse_whitespace() == 'n') {
                    eat_char();
                    parse_ident("ull");
                    slot->is_none = true;
                } else {
                    slot->text = deserialize_string();
                    slot->is_none = false;
                }
                break;
            case FieldKind::AnyValue:
                slot->value = deserialize_any();
                break;
        }
        slot->present = true;
    }

    void visit_struct_map(const FieldSpec *fields, size_t n, FieldSlot *slots) {
        bool first = true;
        std::string key;
        while (next_key(&first, &key)) {
            size_t idx = n;
            for (size_t i = 0; i < n; ++i)
                if (key == fields[i].name) idx = i;
            if (idx == n) {
                parse_object_colon();
                ignore_value();
                continue;
            }
            if (slots[idx].present) throw custom(std::string("duplicate field `") + fields[idx].name + "`");
            parse_object_colon();
            deserialize_field(fields[idx], &slots[idx]);
        }
        for (size_t i = 0; i < n; ++i)
            if (!slots[i].present && !fields[i].defaulted && fields[i].kind != FieldKind::OptionalString)
                throw custom(std::string("missing field `") + fields[i].name + "`");
    }

    void visit_struct_seq(const std::string &name, const FieldSpec *fields, size_t n, FieldSlot *slots) {
        bool first = true;
        for (size_t i = 0; i < n; ++i) {
            if (!next_element(&first)) {
                if (fields[i].defaulted) return;
                throw custom("invalid length " + std::to_string(i) + ", expected struct " + name +
                             " with " + std::to_string(n) + " elements");
            }
            deserialize_field(fields[i], &slots[i]);
        }
    }

    void deserialize_struct(const std::string &name, const FieldSpec *fields, size_t n, FieldSlot *slots) {
        int p = parse_whitespace();
        if (p < 0) peek_fail(Code::EofWhileParsingValue);
        try {
            if (p == '{' || p == '[') {
                enter_nesting();
                eat_char();
                try {
                    if (p == '{')
                        visit_struct_map(fields, n, slots);
                    else
                        visit_struct_seq(name, fields, n, slots);
                } catch (Error &) {
                    // serde_json still runs end_map/end_seq (its error is
                    // discarded); that moves the position of custom errors.
                    try {
                        if (p == '{') end_map(); else end_seq();
                    } catch (Error &) {
                    }
                    throw;
                }
                leave_nesting();
                if (p == '{') end_map(); else end_seq();
            } else {
                throw peek_invalid_type("struct " + name);
            }
        } catch (Error &e) {
            throw fix_position(e);
        }
    }
};

// Runs one decode; a serde error becomes *error (its Display text) and false.
template <class Decode>
bool run_decoder(std::string_view text, std::string *error, Decode &&decode) {
    try {
        StructDeserializer d(text);
        decode(d);
    } catch (Error &e) {
        *error = e.display();
        return false;
    }
    return true;
}

}  // namespace

bool decode_function_call(std::string_view text, FunctionCall *out, std::string *error) {
    static const FieldSpec fields[] = {
        {"id", FieldKind::String, false},
        {"function", FieldKind::String, false},
        {"params", FieldKind::AnyValue, false},
        {"tenant_id", FieldKind::OptionalString, true},
    };
    FieldSlot slots[4];
    if (!run_decoder(text, error, [&](StructDeserializer &d) { d.decode_struct("FunctionCall", fields, 4, slots); }))
        return false;
    out->id = std::move(slots[0].text);
    out->function = std::move(slots[1].text);
    out->params = std::move(slots[2].value);
    if (slots[3].present && !slots[3].is_none)
        out->tenant_id = std::move(slots[3].text);
    else
        out->tenant_id.reset();
    return true;
}

bool decode_auth_message(std::string_view text, AuthMessage *out, std::string *error) {
    static const FieldSpec fields[] = {
        {"type", FieldKind::String, false},
        {"api_key", FieldKind::String, false},
    };
    FieldSlot slots[2];
    if (!run_decoder(text, error, [&](StructDeserializer &d) { d.decode_struct("AuthMessage", fields, 2, slots); }))
        return false;
    out->type = std::move(slots[0].text);
    out->api_key = std::move(slots[1].text);
    return true;
}

bool decode_value(std::string_view text, Value *out, std::string *error) {
    return run_decoder(text, error, [&](StructDeserializer &d) { *out = d.decode_value(); });
}

}  // namespace realm::serde
