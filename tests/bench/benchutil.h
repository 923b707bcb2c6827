#pragma once

#include "core/modelconfig.h"
#include "core/task.h"

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <functional>

// A field of /proc/self/status in kB (e.g. "VmRSS:", "VmHWM:"); 0 where there is none.
inline qint64 procStatusKb(const char* field)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith(field))
            return line.mid(static_cast<qsizetype>(qstrlen(field))).trimmed().split(' ').value(0).toLongLong();
    return 0;
}

// Chat tasks prepared up front, in submit batches, so the clock measures the
// engine and not JSON building. text(j) is task j's message; priority(j) its priority.
inline QList<QList<llmsched::TaskSpec>> chatBatches(
    const QString& model, int total, int batch, const std::function<QString(int)>& text, const std::function<int(int)>& priority)
{
    QList<QList<llmsched::TaskSpec>> batches;
    for (int i = 0; i < total; i += batch) {
        QList<llmsched::TaskSpec> specs;
        for (int j = i; j < std::min(total, i + batch); ++j) {
            llmsched::TaskSpec s;
            s.model = model;
            s.priority = priority(j);
            s.input = QJsonDocument(
                QJsonObject { { QStringLiteral("messages"),
                    QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), text(j) } } } } })
                          .toJson(QJsonDocument::Compact);
            specs.append(std::move(s));
        }
        batches.append(std::move(specs));
    }
    return batches;
}

// The model the end-to-end benchmarks run on: "bench", one zero-latency
// simulated endpoint.
inline llmsched::ModelConfig benchModel(int concurrency, qint64 capacity)
{
    llmsched::ModelConfig model;
    model.name = QStringLiteral("bench");
    if (concurrency > 0)
        model.concurrency = concurrency;
    if (capacity > 0)
        model.capacity = capacity;
    llmsched::EndpointConfig e;
    e.name = QStringLiteral("sim");
    model.endpoints.append(e);
    return model;
}
