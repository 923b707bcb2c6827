#pragma once

// llm-schedulerd as a child process on a shared database, and a minimal HTTP
// client for its REST API: what tst_cluster and bench_cluster start nodes
// with. Header-only; needs Qt Network.

#include <QByteArray>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTcpServer>
#include <QTcpSocket>

#include <memory>

namespace llmsched::test {

inline quint16 freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

struct DaemonNode
{
    std::unique_ptr<QProcess> process;
    quint16 port = 0;
    QString id;

    // Starts `daemon` as node `id` on databaseUrl with the models of configFile.
    static DaemonNode start(const QString& daemon, const QString& databaseUrl, const QString& configFile, const QString& id, const QString& dataDir,
        const QStringList& extra = {})
    {
        DaemonNode n;
        n.id = id;
        n.port = freePort();
        n.process = std::make_unique<QProcess>();
        n.process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        n.process->start(daemon,
            QStringList { QStringLiteral("--database"), databaseUrl, QStringLiteral("--config"), configFile, QStringLiteral("--port"),
                QString::number(n.port), QStringLiteral("--node-id"), id, QStringLiteral("--status-interval"), QStringLiteral("0"),
                QStringLiteral("--drain-timeout"), QStringLiteral("5"), QStringLiteral("--data-dir"), dataDir }
                + extra);
        return n;
    }

    // Stops the node (SIGTERM, then SIGKILL after waitMs). The caller's
    // events go on meanwhile: an upstream served in this process answers the
    // calls the node drains.
    void stop(int waitMs = 20'000)
    {
        if (!process || process->state() == QProcess::NotRunning)
            return;
        process->terminate();
        QElapsedTimer waited;
        waited.start();
        while (process->state() != QProcess::NotRunning && waited.elapsed() < waitMs) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
            process->waitForFinished(20);
        }
        if (process->state() != QProcess::NotRunning)
            process->kill();
        process->waitForFinished(5'000);
    }

    // One request with a bearer token; the body of the answer (empty when
    // the node did not answer), its status in *status.
    QByteArray http(const QByteArray& token, const QByteArray& method, const QString& path, const QByteArray& body = {}, int* status = nullptr) const
    {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        if (!s.waitForConnected(5'000))
            return {};
        QByteArray req
            = method + ' ' + path.toUtf8() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer " + token + "\r\n";
        if (!body.isEmpty())
            req += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
        req += "\r\n" + body;
        s.write(req);
        QByteArray all;
        while (s.state() == QAbstractSocket::ConnectedState && s.waitForReadyRead(30'000))
            all += s.readAll();
        all += s.readAll();
        if (status)
            *status = all.mid(9, 3).toInt();
        const qsizetype at = all.indexOf("\r\n\r\n");
        return at < 0 ? QByteArray() : all.mid(at + 4);
    }
};

// An admin token created with `daemon token create` on databaseUrl (empty on failure).
inline QByteArray createAdminToken(const QString& daemon, const QString& databaseUrl, const QString& dataDir)
{
    QProcess create;
    create.start(daemon,
        { QStringLiteral("--database"), databaseUrl, QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("--role"),
            QStringLiteral("admin"), QStringLiteral("--name"), QStringLiteral("cluster"), QStringLiteral("--data-dir"), dataDir });
    if (!create.waitForFinished(30'000) || create.exitCode() != 0)
        return {};
    return create.readAllStandardOutput().trimmed();
}

} // namespace llmsched::test
