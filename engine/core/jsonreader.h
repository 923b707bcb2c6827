#pragma once

#include "result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QVarLengthArray>
#include <QStringList>

#include <optional>

namespace llmsched {

// Reads fields from a JSON object with type and range checks, remembering the
// first problem as a field-level Error ("tasks[3].priority: must be ...") and
// rejecting fields it was never asked about. Readers nest through path().
class ObjectReader
{
public:
    explicit ObjectReader(const QJsonObject& object, QString path = {});

    bool has(const QString& key) const { return m_object.contains(key); }
    QString path(const QString& key) const;

    QString string(const QString& key, const QString& fallback = {}, int maxLength = 4096);
    QString requiredString(const QString& key, int maxLength = 4096);
    qint64 integer(const QString& key, qint64 fallback, qint64 min, qint64 max);
    double number(const QString& key, double fallback, double min, double max);
    bool boolean(const QString& key, bool fallback);
    QJsonObject object(const QString& key);
    QJsonArray array(const QString& key);
    QJsonValue value(const QString& key); // any type, marks the key as known
    QStringList stringList(const QString& key, int maxItems = 256, int maxLength = 256);

    // Records an error for key (the first error wins).
    void fail(const QString& key, const QString& message);
    // Adopts the error of a nested reader, whose field already carries the full path.
    void fail(const Error& nested);
    bool failed() const { return m_error.has_value(); }

    // The first error, or an "unknown field" error for any key never read.
    std::optional<Error> finish();

private:
    QJsonValue take(const QString& key);

    QJsonObject m_object;
    QString m_path;
    // Keys asked for, and how many of them the object has: when that is all of
    // its keys, finish() need not look for unknown ones (the common case; a
    // QSet of keys per object cost a tenth of a batch submit).
    QVarLengthArray<QString, 24> m_asked;
    qsizetype m_present = 0;
    std::optional<Error> m_error;
};

} // namespace llmsched
