#pragma once

#include <QtGlobal>

namespace llmsched {

// How much of a caller's own input an error message or audit line repeats:
// enough to recognise what was meant, never a whole body an attacker chose.
constexpr qsizetype kEchoIdChars = 32; // task and token ids (26 characters) in audit lines
constexpr qsizetype kEchoNameChars = 64; // header, parameter and field names, hosts, ids in errors
constexpr qsizetype kEchoValueChars = 128; // model names, Host and Origin values
constexpr qsizetype kEchoUrlChars = 200; // URLs of http tasks

} // namespace llmsched
