// A standalone fake LLM upstream for benchmarks: FakeLlmServer in its own process.
// Prints "port=<port>" once listening, serves until SIGTERM/SIGINT or until
// stdin reaches EOF (so it ends with its parent), then prints "served=<n>".

#include "fakellmserver.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

using llmsched::test::FakeLlmServer;
using llmsched::test::FakeReply;

namespace {

int g_signalPipe[2] = { -1, -1 };

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(g_signalPipe[1], &byte, 1);
}

void raiseFileLimit()
{
    rlimit lim {};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max)
        return;
    lim.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0)
        std::fprintf(stderr, "fake_upstream: could not raise the open-file limit\n");
}

int intOption(const QCommandLineParser& parser, const QCommandLineOption& option, int fallback, int min, int max)
{
    if (!parser.isSet(option))
        return fallback;
    bool ok = false;
    const int value = parser.value(option).toInt(&ok);
    if (!ok || value < min || value > max) {
        std::fprintf(stderr, "fake_upstream: --%s must be an integer in %d..%d\n", qPrintable(option.names().constFirst()), min, max);
        std::exit(2);
    }
    return value;
}

} // namespace

int main(int argc, char* argv[])
{
    raiseFileLimit();
    // Qt's own poll() dispatcher keeps up with thousands of sockets better than GLib's.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Fake OpenAI/Anthropic upstream for benchmarks."));
    parser.addHelpOption();
    const QCommandLineOption portOpt(
        QStringLiteral("port"), QStringLiteral("Port on 127.0.0.1 (0: any free one)."), QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption latencyOpt(
        QStringLiteral("latency-ms"), QStringLiteral("Delay before each reply."), QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption completionOpt(QStringLiteral("completion-tokens"), QStringLiteral("Completion tokens reported."), QStringLiteral("N"));
    const QCommandLineOption promptOpt(QStringLiteral("prompt-tokens"), QStringLiteral("Prompt tokens reported."), QStringLiteral("N"));
    const QCommandLineOption ignoreStdinOpt(QStringLiteral("ignore-stdin"), QStringLiteral("Do not stop when stdin reaches EOF."));
    parser.addOptions({ portOpt, latencyOpt, completionOpt, promptOpt, ignoreStdinOpt });
    parser.process(app);

    FakeReply reply;
    const int port = intOption(parser, portOpt, 0, 0, 65535);
    reply.delayMs = intOption(parser, latencyOpt, 0, 0, 24 * 3600 * 1000);
    reply.completionTokens = intOption(parser, completionOpt, reply.completionTokens, 0, 100'000'000);
    reply.promptTokens = intOption(parser, promptOpt, reply.promptTokens, 0, 100'000'000);

    FakeLlmServer server;
    server.setRecordRequests(false);
    server.setDefaultReply(reply);
    if (!server.listen(static_cast<quint16>(port))) {
        std::fprintf(stderr, "fake_upstream: cannot listen on 127.0.0.1:%d\n", port);
        return 1;
    }

    // SIGTERM/SIGINT reach the event loop through a self-pipe.
    if (::pipe2(g_signalPipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        std::perror("fake_upstream: pipe2");
        return 1;
    }
    struct sigaction sa
    {
    };
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    QSocketNotifier signalNotifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&signalNotifier, &QSocketNotifier::activated, &app, [] { QCoreApplication::quit(); });

    // stdin EOF: the parent is gone (or closed our input on purpose).
    QSocketNotifier stdinNotifier(STDIN_FILENO, QSocketNotifier::Read);
    stdinNotifier.setEnabled(!parser.isSet(ignoreStdinOpt));
    QObject::connect(&stdinNotifier, &QSocketNotifier::activated, &app, [&stdinNotifier] {
        char buf[4096];
        const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            stdinNotifier.setEnabled(false);
            QCoreApplication::quit();
        }
    });

    std::printf("port=%u\n", static_cast<unsigned>(server.port()));
    std::fflush(stdout);

    const int rc = app.exec();
    std::printf("served=%d\n", server.repliesCompleted());
    std::fflush(stdout);
    return rc;
}
