// llm-schedulerd: the headless scheduler daemon.

#include <cmath>
#include <malloc.h>

#include "commands.h"
#include "daemon.h"
#include "signalwatcher.h"

#include "core/filelimit.h"
#include "core/logging.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QCoreApplication>
#include <QLoggingCategory>

using namespace llmsched;

namespace {

bool applyLogLevel(const QString& level)
{
    static const QStringList levels = { QStringLiteral("debug"), QStringLiteral("info"), QStringLiteral("warning"), QStringLiteral("error") };
    const qsizetype idx = levels.indexOf(level.toLower());
    if (idx < 0)
        return false;
    QString rules;
    // Our categories at the chosen level; Qt's own stay at warning.
    for (qsizetype i = 0; i < levels.size(); ++i)
        rules += QStringLiteral("llmsched.*.%1=%2\n")
                     .arg(levels.at(i) == QLatin1String("error") ? QStringLiteral("critical") : levels.at(i),
                         i >= idx ? QStringLiteral("true") : QStringLiteral("false"));
    QLoggingCategory::setFilterRules(rules);
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    // Qt's own event dispatcher polls thousands of sockets more cheaply than
    // the GLib one (about 4 % more completions at 5,000 calls in flight); the
    // daemon needs no GLib integration. An explicit QT_NO_GLIB=0 still wins.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
#ifdef __GLIBC__
    // Keep freed heap memory instead of giving it back after every burst: the
    // threads' arenas grew and shrank around each batch, and the page faults
    // of growing them again cost ~8 % of the store writer's time.
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
#endif
    QCoreApplication app(argc, argv);
    raiseOpenFileLimit();
    QCoreApplication::setApplicationName(QStringLiteral("llm-schedulerd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LLMSCHED_VERSION));
    qSetMessagePattern(QStringLiteral(
        "%{time yyyy-MM-ddTHH:mm:ss.zzz} %{if-debug}D%{endif}%{if-info}I%{endif}%{if-warning}W%{endif}%{if-critical}E%{endif}%{if-fatal}F%{endif} "
        "%{category}: %{message}"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("LLM Scheduler daemon: queues and runs LLM calls by priority within each endpoint's limits.\n\n"
                       "Commands:\n"
                       "  (none)              run the scheduler until SIGTERM/SIGINT\n"
                       "  submit FILE.jsonl   import tasks (one JSON object per line; - for stdin) and exit\n"
                       "  token create        create an API token (--role, --name); prints it once\n"
                       "  token list          list API tokens (never their secrets)\n"
                       "  token revoke ID     revoke an API token\n"
                       "  migrate             copy a SQLite store into PostgreSQL (--from FILE.db --to URL [--replace])\n"
                       "Token commands work while the daemon is stopped; while it runs, use POST /api/v1/tokens."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption dataDir({ QStringLiteral("d"), QStringLiteral("data-dir") },
        QStringLiteral("Directory of the database (default: %1).").arg(defaultDataDir()), QStringLiteral("dir"));
    const QCommandLineOption database(QStringLiteral("database"),
        QStringLiteral("The SQLite database file (overrides --data-dir), or a PostgreSQL database shared by several nodes: "
                       "postgresql://user:password@host:port/dbname. Default: $LLMSCHED_DATABASE_URL when set. The password may "
                       "instead be in $LLMSCHED_DATABASE_PASSWORD, $PGPASSWORD or ~/.pgpass."),
        QStringLiteral("file|url"));
    const QCommandLineOption nodeId(QStringLiteral("node-id"),
        QStringLiteral("This node's name among the nodes sharing a PostgreSQL database (default: host-pid). A node restarted with the same "
                       "name takes back the tasks it held."),
        QStringLiteral("name"));
    const QCommandLineOption config(
        { QStringLiteral("c"), QStringLiteral("config") }, QStringLiteral("JSON file with models to configure at start."), QStringLiteral("file"));
    const QCommandLineOption logLevel({ QStringLiteral("l"), QStringLiteral("log-level") },
        QStringLiteral("debug, info, warning or error (default info)."), QStringLiteral("level"), QStringLiteral("info"));
    const QCommandLineOption simulate(
        QStringLiteral("simulate"), QStringLiteral("Add the simulated 'demo' model and feed it demo tasks (no API key needed)."));
    const QCommandLineOption demoRate(QStringLiteral("demo-rate"), QStringLiteral("Demo tasks per second with --simulate (default 20; 0 for none)."),
        QStringLiteral("n"), QStringLiteral("20"));
    const QCommandLineOption retention(QStringLiteral("file-retention-days"),
        QStringLiteral("Days to keep batch files (inputs, outputs, results) before deleting them (default 30; 0 keeps them)."),
        QStringLiteral("days"), QStringLiteral("30"));
    const QCommandLineOption drain(QStringLiteral("drain-timeout"), QStringLiteral("Seconds to let running calls finish on shutdown (default 30)."),
        QStringLiteral("s"), QStringLiteral("30"));
    const QCommandLineOption status(QStringLiteral("status-interval"), QStringLiteral("Seconds between status lines (default 10; 0 for none)."),
        QStringLiteral("s"), QStringLiteral("10"));
    const QCommandLineOption exitAfter(
        QStringLiteral("exit-after"), QStringLiteral("Stop after this many tasks finished (smoke tests)."), QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption listen(QStringLiteral("listen"), QStringLiteral("Address of the REST API (default 127.0.0.1)."),
        QStringLiteral("address"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption port(
        QStringLiteral("port"), QStringLiteral("Port of the REST API (default 8787)."), QStringLiteral("port"), QStringLiteral("8787"));
    const QCommandLineOption noApi(QStringLiteral("no-api"), QStringLiteral("Do not serve the REST API."));
    const QCommandLineOption tlsCert(QStringLiteral("tls-cert"), QStringLiteral("PEM certificate (chain) for HTTPS."), QStringLiteral("file"));
    const QCommandLineOption tlsKey(QStringLiteral("tls-key"), QStringLiteral("PEM private key for HTTPS."), QStringLiteral("file"));
    const QCommandLineOption allow(QStringLiteral("allow"),
        QStringLiteral("Client subnets allowed to connect, e.g. 10.0.0.0/8 (repeatable; default: any that can reach the address)."),
        QStringLiteral("cidr"));
    const QCommandLineOption rateLimit(QStringLiteral("rate-limit"), QStringLiteral("Requests per second per token (default 0: no limit)."),
        QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption maxConnections(QStringLiteral("max-connections"),
        QStringLiteral("Most REST connections open at once; more get 503 (default 4096, lowered to fit the open-file limit)."), QStringLiteral("n"),
        QStringLiteral("4096"));
    const QCommandLineOption maxConnectionsPerIp(QStringLiteral("max-connections-per-ip"),
        QStringLiteral("Most REST connections open at once from one client address (default 512)."), QStringLiteral("n"), QStringLiteral("512"));
    const QCommandLineOption allowedHost(QStringLiteral("allowed-host"),
        QStringLiteral("A Host name the REST API answers besides its address (repeatable; a loopback bind answers localhost, 127.0.0.1 and "
                       "[::1], others any Host unless this is given)."),
        QStringLiteral("name"));
    const QCommandLineOption corsOrigin(QStringLiteral("cors-origin"),
        QStringLiteral("A web origin whose pages may call the REST API, e.g. http://localhost:3000 (repeatable; default none)."),
        QStringLiteral("origin"));
    const QCommandLineOption webhookHost(QStringLiteral("webhook-allow-host"),
        QStringLiteral("A host webhooks may reach at a loopback, private or link-local address: host, host:port, *.domain, or * for any "
                       "(repeatable; default none: webhooks reach public addresses only)."),
        QStringLiteral("host"));
    const QCommandLineOption maxBody(
        QStringLiteral("max-body-mb"), QStringLiteral("Largest request body in MiB (default 16)."), QStringLiteral("n"), QStringLiteral("16"));
    const QCommandLineOption secretEnv(QStringLiteral("secret-env"),
        QStringLiteral("An environment variable that api_key_ref env: may name besides LLMSCHED_*, OPENAI_API_KEY and ANTHROPIC_API_KEY; "
                       "NAME_* for a prefix (repeatable)."),
        QStringLiteral("name"));
    const QCommandLineOption secretDir(QStringLiteral("secret-dir"),
        QStringLiteral("A directory whose files api_key_ref file: may name, besides /etc/llm-scheduler, ~/.config/llm-scheduler, the data "
                       "directory and the --config file's directory (repeatable)."),
        QStringLiteral("dir"));
    const QCommandLineOption role(
        QStringLiteral("role"), QStringLiteral("token create: viewer, operator or admin."), QStringLiteral("role"), QStringLiteral("operator"));
    const QCommandLineOption tokenName(
        QStringLiteral("name"), QStringLiteral("token create: a name to recognise the token by."), QStringLiteral("name"), QStringLiteral("cli"));
    const QCommandLineOption migrateFrom(QStringLiteral("from"),
        QStringLiteral("migrate: the SQLite store to copy (default: the one --data-dir/--database name)."), QStringLiteral("file"));
    const QCommandLineOption migrateTo(QStringLiteral("to"),
        QStringLiteral(
            "migrate: the PostgreSQL database to copy into, postgresql://user:password@host:port/dbname (default: $LLMSCHED_DATABASE_URL)."),
        QStringLiteral("url"));
    const QCommandLineOption migrateReplace(
        QStringLiteral("replace"), QStringLiteral("migrate: empty a target that already holds a store instead of refusing it."));
    parser.addOptions({ dataDir, database, nodeId, config, logLevel, simulate, demoRate, retention, drain, status, exitAfter, listen, port, noApi,
        tlsCert, tlsKey, allow, allowedHost, corsOrigin, webhookHost, rateLimit, maxBody, maxConnections, maxConnectionsPerIp, secretEnv, secretDir,
        role, tokenName, migrateFrom, migrateTo, migrateReplace });
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("Optional: submit FILE.jsonl | token create|list|revoke [ID] | migrate"),
        QStringLiteral("[command]"));
    parser.process(app);

    if (!applyLogLevel(parser.value(logLevel)))
        return commandFailed(QStringLiteral("--log-level must be debug, info, warning or error"));
    const auto number = [&](const QCommandLineOption& o, double& out) {
        bool ok = false;
        out = parser.value(o).toDouble(&ok);
        return ok && out >= 0;
    };

    Daemon::Options options;
    options.engine.dataDir = parser.value(dataDir);
    options.engine.databasePath = parser.isSet(database) ? parser.value(database) : qEnvironmentVariable("LLMSCHED_DATABASE_URL");
    options.engine.nodeId = parser.value(nodeId).trimmed();
    options.engine.simulate = parser.isSet(simulate);
    options.engine.webhookPrivateHosts = parser.values(webhookHost);
    options.configFile = parser.value(config);
    static const QRegularExpression kEnvPattern(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*\\*?$"));
    for (const QString& name : parser.values(secretEnv)) {
        if (!kEnvPattern.match(name).hasMatch())
            return commandFailed(
                QStringLiteral("--secret-env %1 is not a variable name (letters, digits, '_'; a trailing * for a prefix)").arg(name));
        options.engine.secrets.envNames.append(name);
    }
    for (const QString& dir : parser.values(secretDir)) {
        if (!QDir::isAbsolutePath(dir))
            return commandFailed(QStringLiteral("--secret-dir %1 must be an absolute path").arg(dir));
        options.engine.secrets.fileDirs.append(QDir::cleanPath(dir));
    }
    if (!options.configFile.isEmpty())
        options.engine.secrets.fileDirs.append(QFileInfo(options.configFile).absolutePath());
    double v = 0;
    if (!number(drain, v))
        return commandFailed(QStringLiteral("--drain-timeout must be a number of seconds"));
    options.drainMs = static_cast<int>(v * 1000);
    if (!number(status, v))
        return commandFailed(QStringLiteral("--status-interval must be a number of seconds"));
    options.statusIntervalMs = static_cast<int>(v * 1000);
    if (!number(demoRate, v))
        return commandFailed(QStringLiteral("--demo-rate must be a number"));
    options.demoRate = parser.isSet(simulate) ? v : 0;
    if (!number(exitAfter, v))
        return commandFailed(QStringLiteral("--exit-after must be a number"));
    options.exitAfterTasks = static_cast<qint64>(v);
    if (!number(retention, v) || v < 0 || v > 36500 || v != std::floor(v))
        return commandFailed(QStringLiteral("--file-retention-days must be a whole number of days (0 keeps files)"));
    options.engine.fileRetentionDays = static_cast<int>(v);

    if (!parser.isSet(noApi)) {
        ApiOptions api;
        api.address = QHostAddress(parser.value(listen));
        if (api.address.isNull())
            return commandFailed(QStringLiteral("--listen must be an IP address such as 127.0.0.1 or 0.0.0.0"));
        bool ok = false;
        const int p = parser.value(port).toInt(&ok);
        if (!ok || p < 0 || p > 65535)
            return commandFailed(QStringLiteral("--port must be 0..65535"));
        api.port = static_cast<quint16>(p);
        api.tlsCertificate = parser.value(tlsCert);
        api.tlsKey = parser.value(tlsKey);
        for (const QString& cidr : parser.values(allow)) {
            const auto subnet = QHostAddress::parseSubnet(cidr);
            if (subnet.first.isNull())
                return commandFailed(QStringLiteral("--allow %1 is not a subnet such as 10.0.0.0/8").arg(cidr));
            api.allowlist.append(subnet);
        }
        api.allowedHosts = parser.values(allowedHost);
        api.corsOrigins = parser.values(corsOrigin);
        if (!number(rateLimit, v))
            return commandFailed(QStringLiteral("--rate-limit must be a number"));
        api.rateLimitPerSecond = v;
        if (!number(maxBody, v) || v < 0.001)
            return commandFailed(QStringLiteral("--max-body-mb must be a positive number"));
        api.maxBodyBytes = static_cast<qint64>(v * 1024 * 1024);
        if (!number(maxConnections, v) || v < 1 || v > 1'000'000)
            return commandFailed(QStringLiteral("--max-connections must be 1..1000000"));
        api.maxConnections = static_cast<int>(v);
        if (!number(maxConnectionsPerIp, v) || v < 1 || v > 1'000'000)
            return commandFailed(QStringLiteral("--max-connections-per-ip must be 1..1000000"));
        api.maxConnectionsPerAddress = static_cast<int>(v);
        if (!api.address.isLoopback() && api.allowlist.isEmpty() && api.tlsCertificate.isEmpty())
            qCWarning(lcCore).noquote() << "the REST API listens on" << api.address.toString()
                                        << "without TLS or --allow; tokens cross the network in clear text";
        options.api = api;
    }

    if (const auto rc = runCommand({ options.engine, options.configFile, &parser }, parser.positionalArguments()))
        return *rc;

    Daemon daemon(options);
    if (auto r = daemon.start(); !r)
        return commandFailed(r.error().toString());
    SignalWatcher signalWatcher;
    QObject::connect(
        &signalWatcher, &SignalWatcher::terminationRequested, &daemon, [&](int sig) { daemon.requestStop(QStringLiteral("signal %1").arg(sig)); });
    QObject::connect(&daemon, &Daemon::finished, &app, &QCoreApplication::exit);
    return app.exec();
}
