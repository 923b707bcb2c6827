#pragma once

#include "engine.h"

#include <QCommandLineParser>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

// The daemon's one-shot subcommands (`llm-schedulerd submit ...`,
// `llm-schedulerd token create ...`): one small class each, chosen by the
// words that follow the options. They share the option parsing of main():
// whatever --data-dir, --database and --config say.

// What a subcommand gets from the command line.
struct CommandContext
{
    llmsched::EngineOptions engine; // --data-dir, --database
    QString configFile; // --config
    const QCommandLineParser* parser = nullptr; // for options of its own (--role, --name)
};

class Command
{
public:
    virtual ~Command() = default;
    // The words that select it, e.g. {"token", "create"}.
    virtual QStringList words() const = 0;
    // Arguments after the words, e.g. {"ID"}; the command runs only with exactly these.
    virtual QStringList arguments() const { return {}; }
    // Runs it; returns the process exit code (0 success, 1 partly done, 2 refused).
    virtual int run(const CommandContext& context, const QStringList& arguments) = 0;

    QString usage() const;
};

// Every subcommand, in the order --help lists them.
std::vector<std::unique_ptr<Command>> daemonCommands();

// Prints "llm-schedulerd: message" to stderr and returns code.
int commandFailed(const QString& message, int code = 2);

// Finds the command the positional arguments name and runs it; nullopt when
// they name none (the daemon then runs).
std::optional<int> runCommand(const CommandContext& context, const QStringList& positional);
