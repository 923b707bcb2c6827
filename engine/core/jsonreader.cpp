#include "jsonreader.h"

#include <algorithm>

#include <cmath>

namespace llmsched {

namespace {
// JSON may escape half of a surrogate pair ("\ud800"); such a string is not
// Unicode, and the store would not keep it as sent (SQLite's UTF-16 reader
// takes the next character as the missing half): refused, not altered.
const QString kLoneSurrogate = QStringLiteral("must be valid Unicode (it holds an unpaired surrogate, \\ud800-\\udfff)");
} // namespace

ObjectReader::ObjectReader(const QJsonObject& object, QString path)
    : m_object(object)
    , m_path(std::move(path))
{
}

QString ObjectReader::path(const QString& key) const
{
    return m_path.isEmpty() ? key : m_path + QLatin1Char('.') + key;
}

QJsonValue ObjectReader::take(const QString& key)
{
    QJsonValue v = m_object.value(key);
    if (std::find(m_asked.cbegin(), m_asked.cend(), key) == m_asked.cend()) {
        m_asked.append(key);
        if (!v.isUndefined())
            ++m_present;
    }
    return v;
}

void ObjectReader::fail(const QString& key, const QString& message)
{
    if (!m_error)
        m_error = Error::invalid(key.isEmpty() ? m_path : path(key), message);
}

void ObjectReader::fail(const Error& nested)
{
    if (!m_error)
        m_error = nested;
}

QString ObjectReader::string(const QString& key, const QString& fallback, int maxLength)
{
    const QJsonValue v = take(key);
    if (v.isUndefined() || v.isNull())
        return fallback;
    if (!v.isString()) {
        fail(key, QStringLiteral("must be a string"));
        return fallback;
    }
    QString s = v.toString();
    if (s.size() > maxLength) {
        fail(key, QStringLiteral("must be at most %1 characters").arg(maxLength));
        return fallback;
    }
    if (!s.isValidUtf16()) {
        fail(key, kLoneSurrogate);
        return fallback;
    }
    return s;
}

QString ObjectReader::requiredString(const QString& key, int maxLength)
{
    if (!m_object.contains(key) || m_object.value(key).isNull()) {
        take(key);
        fail(key, QStringLiteral("is required"));
        return {};
    }
    QString s = string(key, {}, maxLength);
    if (s.trimmed().isEmpty())
        fail(key, QStringLiteral("must not be empty"));
    return s;
}

qint64 ObjectReader::integer(const QString& key, qint64 fallback, qint64 min, qint64 max)
{
    const QJsonValue v = take(key);
    if (v.isUndefined() || v.isNull())
        return fallback;
    const double d = v.toDouble(std::nan(""));
    if (!v.isDouble() || std::isnan(d) || d != std::floor(d)) {
        fail(key, QStringLiteral("must be an integer"));
        return fallback;
    }
    if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
        fail(key, QStringLiteral("must be between %1 and %2").arg(min).arg(max));
        return fallback;
    }
    return static_cast<qint64>(d);
}

double ObjectReader::number(const QString& key, double fallback, double min, double max)
{
    const QJsonValue v = take(key);
    if (v.isUndefined() || v.isNull())
        return fallback;
    if (!v.isDouble()) {
        fail(key, QStringLiteral("must be a number"));
        return fallback;
    }
    const double d = v.toDouble();
    if (!(d >= min && d <= max)) {
        fail(key, QStringLiteral("must be between %1 and %2").arg(min).arg(max));
        return fallback;
    }
    return d;
}

bool ObjectReader::boolean(const QString& key, bool fallback)
{
    const QJsonValue v = take(key);
    if (v.isUndefined() || v.isNull())
        return fallback;
    if (!v.isBool()) {
        fail(key, QStringLiteral("must be true or false"));
        return fallback;
    }
    return v.toBool();
}

QJsonObject ObjectReader::object(const QString& key)
{
    const QJsonValue v = take(key);
    if (v.isUndefined() || v.isNull())
        return {};
    if (!v.isObject()) {
        fail(key, QStringLiteral("must be an object"));
        return {};
    }
    return v.toObject();
}

QJsonArray ObjectReader::array(const QString& key)
{
    const QJsonValue v = take(key);
    if (v.isUndefined() || v.isNull())
        return {};
    if (!v.isArray()) {
        fail(key, QStringLiteral("must be an array"));
        return {};
    }
    return v.toArray();
}

QJsonValue ObjectReader::value(const QString& key)
{
    return take(key);
}

QStringList ObjectReader::stringList(const QString& key, int maxItems, int maxLength)
{
    const QJsonArray a = array(key);
    if (a.size() > maxItems) {
        fail(key, QStringLiteral("must have at most %1 items").arg(maxItems));
        return {};
    }
    QStringList out;
    out.reserve(a.size());
    for (qsizetype i = 0; i < a.size(); ++i) {
        const QJsonValue item = a.at(i);
        if (!item.isString() || item.toString().size() > maxLength) {
            fail(QStringLiteral("%1[%2]").arg(key).arg(i), QStringLiteral("must be a string of at most %1 characters").arg(maxLength));
            return {};
        }
        if (!item.toString().isValidUtf16()) {
            fail(QStringLiteral("%1[%2]").arg(key).arg(i), kLoneSurrogate);
            return {};
        }
        out.append(item.toString());
    }
    return out;
}

std::optional<Error> ObjectReader::finish()
{
    if (m_error)
        return m_error;
    if (m_present == m_object.size())
        return std::nullopt;
    for (auto it = m_object.begin(); it != m_object.end(); ++it) {
        if (std::find(m_asked.cbegin(), m_asked.cend(), it.key()) == m_asked.cend())
            return Error::invalid(path(it.key()), QStringLiteral("unknown field"));
    }
    return std::nullopt;
}

} // namespace llmsched
