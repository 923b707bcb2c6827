#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace llmsched {

// A JSON document of the store's documents table (migration 9): the things
// the workflow features keep that are not tasks. One table for all of them,
// told apart by kind; the columns beside the document are what lists filter
// and sort on.
struct StoredDoc
{
    QString kind; // one of the kDoc* names below
    QString id;
    QString status; // kind-specific: a workflow's state, a schedule's "active"/"paused", ...
    qint64 createdMs = 0;
    qint64 updatedMs = 0;
    QJsonObject doc;
};

inline constexpr QLatin1String kDocWorkflow("workflow");

// Which documents a list answers: newest first.
struct DocQuery
{
    QString kind;
    QStringList statuses; // empty: any
    int limit = 100; // 0: all
    QString after; // the id of the last document of the page before
};

} // namespace llmsched
