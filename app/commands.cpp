#include "commands.h"

#include "daemon.h"

#include "core/databaseurl.h"
#include "core/jsonl.h"
#include "core/timeutil.h"

#include <QDir>
#include <QFile>
#include <QTextStream>

#include <cstdio>

using namespace llmsched;

namespace {

constexpr int kImportChunk = 1000;
constexpr int kExitRefused = 2;
constexpr int kExitPartly = 1;

// `submit FILE.jsonl`: imports tasks straight into the store; the daemon runs them.
class SubmitCommand final : public Command
{
public:
    QStringList words() const override { return { QStringLiteral("submit") }; }
    QStringList arguments() const override { return { QStringLiteral("FILE.jsonl") }; }

    int run(const CommandContext& context, const QStringList& arguments) override
    {
        const QString path = arguments.at(0);
        QFile file(path);
        if (path == QLatin1String("-")) {
            if (!file.open(stdin, QIODevice::ReadOnly))
                return commandFailed(QStringLiteral("cannot read standard input"));
        } else if (!file.open(QIODevice::ReadOnly)) {
            return commandFailed(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
        }
        EngineOptions options = context.engine;
        options.dispatch = false; // import only: the tasks are stored, the daemon runs them
        Engine engine(options);
        if (auto r = engine.start(); !r)
            return commandFailed(r.error().message);
        if (!context.configFile.isEmpty()) {
            if (auto r = applyConfigFile(engine, context.configFile); !r)
                return commandFailed(r.error().toString());
        }
        JsonlReader reader(&file);
        qint64 imported = 0, duplicates = 0, rejected = 0;
        QTextStream err(stderr);
        while (!reader.atEnd()) {
            JsonlReader::Chunk chunk = reader.next(kImportChunk);
            for (const JsonlError& e : chunk.errors) {
                err << path << ": " << e.toString() << '\n';
                ++rejected;
            }
            if (chunk.specs.isEmpty())
                continue;
            const qint64 last = chunk.lines.constLast(), size = chunk.specs.size();
            const ChunkOutcome o = submitChunk(std::move(chunk), [&engine](const QList<TaskSpec>& specs) { return engine.submit(specs).result(); });
            for (const JsonlError& e : o.rejected)
                err << path << ": " << e.toString() << '\n';
            rejected += o.rejected.size();
            imported += o.imported;
            duplicates += o.duplicates;
            if (o.stopped) {
                // The rest of the chunk refused as a whole (full queue): say which lines.
                err << path << ": lines " << o.stoppedAtLine << "-" << last << ": " << o.stopped->toString() << '\n';
                rejected += size - o.imported - o.duplicates - o.rejected.size();
            }
        }
        engine.shutdown(0);
        // QString, not auto: a QStringBuilder of temporaries would dangle.
        const auto plural = [](qint64 n, const char* one, const char* many) -> QString {
            return QString::number(n) + QLatin1Char(' ') + QLatin1String(n == 1 ? one : many);
        };
        QTextStream(stdout) << "imported " << plural(imported, "task", "tasks") << " from " << path << " (" << duplicates << " already present, "
                            << plural(rejected, "line", "lines") << " rejected)\n";
        return rejected > 0 ? kExitPartly : 0;
    }
};

// The token commands work on the store while the daemon is stopped (it holds
// the store's lock while it runs; then POST /api/v1/tokens does the same).
class TokenCommand : public Command
{
public:
    int run(const CommandContext& context, const QStringList& arguments) final
    {
        EngineOptions options = context.engine;
        options.dispatch = false;
        options.simulate = false;
        Engine engine(options);
        if (auto r = engine.start(); !r)
            return commandFailed(r.error().message.contains(QLatin1String("in use by another process"))
                    ? QStringLiteral("%1\n(the daemon is running: use POST /api/v1/tokens with an admin token)").arg(r.error().message)
                    : r.error().toString());
        const int rc = runOn(engine, context, arguments);
        engine.shutdown(0);
        return rc;
    }

protected:
    virtual int runOn(Engine& engine, const CommandContext& context, const QStringList& arguments) = 0;
};

class TokenCreateCommand final : public TokenCommand
{
public:
    QStringList words() const override { return { QStringLiteral("token"), QStringLiteral("create") }; }

protected:
    int runOn(Engine& engine, const CommandContext& context, const QStringList&) override
    {
        const auto role = roleFromName(context.parser->value(QStringLiteral("role")));
        if (!role)
            return commandFailed(QStringLiteral("--role must be viewer, operator or admin"));
        const auto t = engine.createToken(context.parser->value(QStringLiteral("name")), *role).result();
        if (!t)
            return commandFailed(t.error().toString());
        // The secret alone on stdout, so scripts can capture it; the rest to stderr.
        QTextStream(stdout) << t->secret << Qt::endl;
        QTextStream(stderr) << "created " << roleName(t->token.role) << " token " << t->token.id << " ('" << t->token.name
                            << "'); it is shown only now, store it safely\n";
        return 0;
    }
};

class TokenListCommand final : public TokenCommand
{
public:
    QStringList words() const override { return { QStringLiteral("token"), QStringLiteral("list") }; }

protected:
    int runOn(Engine& engine, const CommandContext&, const QStringList&) override
    {
        const auto tokens = engine.apiTokens().result();
        if (!tokens)
            return commandFailed(tokens.error().toString());
        QTextStream out(stdout);
        for (const ApiToken& t : *tokens)
            out << t.id << '\t' << roleName(t.role) << '\t' << t.name << '\t' << msToIso(t.createdMs) << '\t'
                << (t.revokedMs ? QStringLiteral("revoked ") + msToIso(t.revokedMs) : QStringLiteral("active")) << Qt::endl;
        return 0;
    }
};

class TokenRevokeCommand final : public TokenCommand
{
public:
    QStringList words() const override { return { QStringLiteral("token"), QStringLiteral("revoke") }; }
    QStringList arguments() const override { return { QStringLiteral("ID") }; }

protected:
    int runOn(Engine& engine, const CommandContext&, const QStringList& arguments) override
    {
        if (const auto r = engine.revokeToken(arguments.at(0)).result(); !r)
            return commandFailed(r.error().toString());
        QTextStream(stderr) << "revoked " << arguments.at(0) << "\n";
        return 0;
    }
};

} // namespace

QString Command::usage() const
{
    return QStringLiteral("llm-schedulerd %1").arg((words() + arguments()).join(QLatin1Char(' ')));
}

int commandFailed(const QString& message, int code)
{
    QTextStream(stderr) << "llm-schedulerd: " << message << '\n';
    return code;
}

// `migrate --from FILE.db --to postgresql://...`: a user who outgrows one
// machine keeps their history (tasks, logs, models, tokens, statistics).
class MigrateCommand final : public Command
{
public:
    QStringList words() const override { return { QStringLiteral("migrate") }; }

    int run(const CommandContext& context, const QStringList&) override
    {
        const QCommandLineParser& p = *context.parser;
        QString from = p.value(QStringLiteral("from"));
        if (from.isEmpty()) {
            from = context.engine.databasePath;
            if (from.isEmpty() || isPostgresUrl(from))
                from
                    = QDir(context.engine.dataDir.isEmpty() ? defaultDataDir() : context.engine.dataDir).filePath(QStringLiteral("llm-scheduler.db"));
        }
        QString to = p.isSet(QStringLiteral("to")) ? p.value(QStringLiteral("to")) : qEnvironmentVariable("LLMSCHED_DATABASE_URL");
        if (to.isEmpty())
            return commandFailed(QStringLiteral("migrate needs --to postgresql://user:password@host:port/dbname"));
        if (!isPostgresUrl(to))
            return commandFailed(QStringLiteral("--to must be a postgresql:// URL"));
        const auto url = parsePostgresUrl(to);
        if (!url)
            return commandFailed(url.error().message);
        QTextStream out(stdout);
        out << "copying " << from << " into " << url->display() << " ...\n";
        out.flush();
        const Result<StoreCopyReport> r = copyStoreToPostgres(from, to, p.isSet(QStringLiteral("replace")));
        if (!r)
            return commandFailed(r.error().message);
        for (const auto& [table, rows] : r->rows)
            out << "  " << table << ": " << rows << '\n';
        out << "copied " << r->total() << " rows; start the nodes with --database on the PostgreSQL URL\n";
        return 0;
    }
};

std::vector<std::unique_ptr<Command>> daemonCommands()
{
    std::vector<std::unique_ptr<Command>> out;
    out.push_back(std::make_unique<SubmitCommand>());
    out.push_back(std::make_unique<TokenCreateCommand>());
    out.push_back(std::make_unique<TokenListCommand>());
    out.push_back(std::make_unique<TokenRevokeCommand>());
    out.push_back(std::make_unique<MigrateCommand>());
    return out;
}

std::optional<int> runCommand(const CommandContext& context, const QStringList& positional)
{
    if (positional.isEmpty())
        return std::nullopt;
    const auto commands = daemonCommands();
    QStringList usages;
    for (const auto& c : commands) {
        const QStringList words = c->words();
        if (positional.mid(0, words.size()) != words) {
            if (c->words().constFirst() == positional.constFirst())
                usages << c->usage();
            continue;
        }
        const QStringList arguments = positional.mid(words.size());
        if (arguments.size() != c->arguments().size())
            return commandFailed(QStringLiteral("usage: %1").arg(c->usage()));
        return c->run(context, arguments);
    }
    if (!usages.isEmpty())
        return commandFailed(QStringLiteral("usage: %1").arg(usages.join(QStringLiteral(" | "))));
    return commandFailed(QStringLiteral("unknown command '%1' (try --help)").arg(positional.constFirst()));
}
