#pragma once

#include "result.h"

#include <QByteArray>
#include <QHash>
#include <QJsonValue>
#include <QStringList>

namespace llmsched::steptemplate {

// A workflow step's input may use its parents' results:
//
//   {{steps.<key>.output<path>}}   the parent's output (the provider's answer)
//   {{steps.<key>.error}}          its error text ("" when none)
//   {{steps.<key>.state}}          succeeded, dead or cancelled
//   {{steps.<key>.id}}             its task id
//
// where <path> is any number of ".name" and "[index]" steps, e.g.
// {{steps.summarise.output.choices[0].message.content}}. Spaces inside the
// braces are allowed. A string that is exactly one reference becomes the
// value itself (a number stays a number, an object an object); a reference
// inside longer text is written into it (strings as they are, anything else
// as compact JSON). "{{" not followed by "steps." is left alone, so prompts
// may contain braces. A key is 1-64 of [A-Za-z0-9_-].
//
// References are resolved when the step becomes ready, after its parents
// ended (see Scheduler: dependencies done).

bool validKey(QStringView key);

// The keys the input refers to, in order of first use, or the first malformed
// reference (field "input", the message naming it).
Result<QStringList> referencedKeys(const QByteArray& input);

// What a referenced step left.
struct StepResult
{
    QString id;
    QString state;
    QByteArray output; // compact JSON; empty when none
    QString error;
};

// The input with every reference replaced. A path that leads nowhere fails
// with its reference and where it stopped, e.g. "steps.a.output.choices[2]:
// the array has 1 element".
Result<QByteArray> render(const QByteArray& input, const QHash<QString, StepResult>& steps);

} // namespace llmsched::steptemplate
