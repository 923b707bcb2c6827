#include "tasktemplate.h"

#include "jsonreader.h"
#include "task.h"
#include "timeutil.h"
#include "workflow.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace llmsched {

namespace {

const QStringList kTypes { QStringLiteral("string"), QStringLiteral("integer"), QStringLiteral("number"), QStringLiteral("boolean") };

bool validName(const QString& name)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,63}$"));
    return re.match(name).hasMatch();
}

// The value converted to type, or nullopt when it is not one.
std::optional<QJsonValue> typed(const QJsonValue& v, const QString& type)
{
    if (type == QLatin1String("string"))
        return v.isString() ? std::optional<QJsonValue>(v) : std::nullopt;
    if (type == QLatin1String("boolean"))
        return v.isBool() ? std::optional<QJsonValue>(v) : std::nullopt;
    if (!v.isDouble())
        return std::nullopt;
    if (type == QLatin1String("integer")) {
        const double d = v.toDouble();
        if (d != static_cast<double>(static_cast<qint64>(d)))
            return std::nullopt;
        return QJsonValue(static_cast<qint64>(d));
    }
    return v;
}

QJsonValue sample(const QString& type)
{
    if (type == QLatin1String("boolean"))
        return true;
    if (type == QLatin1String("integer") || type == QLatin1String("number"))
        return 1;
    return QStringLiteral("sample");
}

QString text(const QJsonValue& v)
{
    if (v.isString())
        return v.toString();
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (v.isDouble()) {
        const double d = v.toDouble();
        return d == static_cast<double>(static_cast<qint64>(d)) ? QString::number(static_cast<qint64>(d)) : QString::number(d, 'g', 17);
    }
    return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
}

const QRegularExpression& referencePattern()
{
    static const QRegularExpression re(QStringLiteral("\\{\\{\\s*vars\\.([A-Za-z_][A-Za-z0-9_]*)\\s*\\}\\}"));
    return re;
}

// Replaces {{vars.x}} in every string of v; names not in values are kept (and reported).
QJsonValue fill(const QJsonValue& v, const QHash<QString, QJsonValue>& values, QStringList* unknown)
{
    if (v.isString()) {
        const QString s = v.toString();
        if (!s.contains(QLatin1String("{{")))
            return v;
        const auto whole = referencePattern().match(s);
        if (whole.hasMatch() && whole.capturedStart() == 0 && whole.capturedLength() == s.size()) {
            auto it = values.constFind(whole.captured(1));
            if (it != values.constEnd())
                return it.value();
            unknown->append(whole.captured(1));
            return v;
        }
        QString out;
        qsizetype at = 0;
        auto matches = referencePattern().globalMatch(s);
        while (matches.hasNext()) {
            const auto m = matches.next();
            out += QStringView(s).mid(at, m.capturedStart() - at);
            auto it = values.constFind(m.captured(1));
            if (it != values.constEnd()) {
                out += text(it.value());
            } else {
                unknown->append(m.captured(1));
                out += m.captured(0);
            }
            at = m.capturedEnd();
        }
        out += QStringView(s).mid(at);
        return out;
    }
    if (v.isArray()) {
        QJsonArray a;
        for (const QJsonValue& e : v.toArray())
            a.append(fill(e, values, unknown));
        return a;
    }
    if (v.isObject()) {
        QJsonObject o;
        const QJsonObject in = v.toObject();
        for (auto it = in.constBegin(); it != in.constEnd(); ++it)
            o.insert(it.key(), fill(it.value(), values, unknown));
        return o;
    }
    return v;
}

Error prefixed(Error e, const QString& prefix)
{
    e.field = e.field.isEmpty() ? prefix : prefix + QLatin1Char('.') + e.field;
    return e;
}

// Checks a filled-in body as its route would.
std::optional<Error> checkBody(const QString& kind, const QJsonObject& body)
{
    if (kind == QLatin1String("task")) {
        auto t = TaskSpec::fromJson(body);
        return t ? std::nullopt : std::optional<Error>(prefixed(t.error(), QStringLiteral("body")));
    }
    auto w = WorkflowPlan::fromJson(body);
    return w ? std::nullopt : std::optional<Error>(prefixed(w.error(), QStringLiteral("body")));
}

} // namespace

Result<TemplateVersion> TemplateVersion::fromJson(const QJsonObject& json)
{
    ObjectReader r(json);
    TemplateVersion t;
    t.kind = r.string(QStringLiteral("kind"), QStringLiteral("task"), 16);
    t.description = r.string(QStringLiteral("description"), {}, 2000);
    t.variables = r.object(QStringLiteral("variables"));
    t.body = r.object(QStringLiteral("body"));
    r.string(QStringLiteral("name"), {}, 128); // the route's; read there
    if (auto err = r.finish())
        return *err;
    if (t.kind != QLatin1String("task") && t.kind != QLatin1String("workflow"))
        return Error::invalid(QStringLiteral("kind"), QStringLiteral("must be task or workflow"));
    if (t.body.isEmpty())
        return Error::invalid(QStringLiteral("body"), QStringLiteral("is required: a task or workflow body with {{vars.<name>}} where values go"));
    QHash<QString, QJsonValue> trial;
    for (auto it = t.variables.constBegin(); it != t.variables.constEnd(); ++it) {
        const QString field = QStringLiteral("variables.") + it.key();
        if (!validName(it.key()))
            return Error::invalid(field, QStringLiteral("a variable name is a letter or _, then up to 63 letters, digits or _"));
        if (!it.value().isObject())
            return Error::invalid(field, QStringLiteral("must be {\"type\": ..., \"default\": ...}"));
        const QJsonObject v = it.value().toObject();
        const QString type = v.value(QLatin1String("type")).toString(QStringLiteral("string"));
        if (!kTypes.contains(type))
            return Error::invalid(field + QStringLiteral(".type"), QStringLiteral("must be string, integer, number or boolean"));
        for (auto k = v.constBegin(); k != v.constEnd(); ++k)
            if (k.key() != QLatin1String("type") && k.key() != QLatin1String("default") && k.key() != QLatin1String("description"))
                return Error::invalid(field + QLatin1Char('.') + k.key(), QStringLiteral("unknown field"));
        if (v.contains(QLatin1String("default"))) {
            auto d = typed(v.value(QLatin1String("default")), type);
            if (!d)
                return Error::invalid(field + QStringLiteral(".default"), QStringLiteral("is not a %1").arg(type));
            trial.insert(it.key(), *d);
        } else {
            trial.insert(it.key(), sample(type));
        }
    }
    QStringList unknown;
    const QJsonObject filled = fill(t.body, trial, &unknown).toObject();
    if (!unknown.isEmpty())
        return Error::invalid(QStringLiteral("body"), QStringLiteral("{{vars.%1}} names no declared variable").arg(unknown.constFirst()));
    if (auto err = checkBody(t.kind, filled))
        return *err;
    return t;
}

QJsonObject TemplateVersion::toJson() const
{
    return QJsonObject { { QStringLiteral("version"), version }, { QStringLiteral("created_at"), msToIso(createdMs) },
        { QStringLiteral("kind"), kind }, { QStringLiteral("description"), description }, { QStringLiteral("variables"), variables },
        { QStringLiteral("body"), body } };
}

Result<QJsonObject> TemplateVersion::render(const QJsonObject& values) const
{
    QHash<QString, QJsonValue> filled;
    for (auto it = values.constBegin(); it != values.constEnd(); ++it) {
        const QString field = QStringLiteral("values.") + it.key();
        if (!variables.contains(it.key()))
            return Error::invalid(field, QStringLiteral("is not a variable of this template"));
        const QString type = variables.value(it.key()).toObject().value(QLatin1String("type")).toString(QStringLiteral("string"));
        auto v = typed(it.value(), type);
        if (!v)
            return Error::invalid(field, QStringLiteral("must be a %1").arg(type));
        filled.insert(it.key(), *v);
    }
    for (auto it = variables.constBegin(); it != variables.constEnd(); ++it) {
        if (filled.contains(it.key()))
            continue;
        const QJsonObject v = it.value().toObject();
        if (!v.contains(QLatin1String("default")))
            return Error::invalid(QStringLiteral("values.") + it.key(), QStringLiteral("is required"));
        filled.insert(it.key(), v.value(QLatin1String("default")));
    }
    QStringList unknown;
    const QJsonObject out = fill(body, filled, &unknown).toObject();
    if (auto err = checkBody(kind, out))
        return *err;
    return out;
}

QList<TemplateRow> templateRowsFromJsonl(const QByteArray& jsonl)
{
    QList<TemplateRow> rows;
    int n = 0;
    for (const QByteArray& line : jsonl.split('\n')) {
        ++n;
        if (line.trimmed().isEmpty())
            continue;
        TemplateRow r;
        r.row = n;
        QJsonParseError e {};
        const QJsonDocument doc = QJsonDocument::fromJson(line, &e);
        if (!doc.isObject())
            r.error = e.error != QJsonParseError::NoError ? QStringLiteral("not JSON: %1").arg(e.errorString())
                                                          : QStringLiteral("must be an object of values");
        else
            r.values = doc.object();
        rows.append(r);
    }
    return rows;
}

namespace {
// One CSV record (RFC 4180: quotes, doubled quotes, commas and newlines inside quotes).
QList<QStringList> csvRecords(const QString& text)
{
    QList<QStringList> records;
    QStringList fields;
    QString field;
    bool quoted = false, any = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text.at(i + 1) == u'"') {
                field += u'"';
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == u'"') {
            quoted = true;
            any = true;
        } else if (c == u',') {
            fields << field;
            field.clear();
            any = true;
        } else if (c == u'\n' || c == u'\r') {
            if (c == u'\r' && i + 1 < text.size() && text.at(i + 1) == u'\n')
                ++i;
            if (any || !field.isEmpty()) {
                fields << field;
                records << fields;
            } else {
                records << QStringList {}; // a blank line keeps the numbering
            }
            fields.clear();
            field.clear();
            any = false;
        } else {
            field += c;
            any = true;
        }
    }
    if (any || !field.isEmpty()) {
        fields << field;
        records << fields;
    }
    return records;
}
} // namespace

QList<TemplateRow> templateRowsFromCsv(const QByteArray& csv, const QJsonObject& variables)
{
    QList<TemplateRow> rows;
    const QList<QStringList> records = csvRecords(QString::fromUtf8(csv));
    if (records.isEmpty())
        return rows;
    const QStringList header = records.constFirst();
    for (qsizetype i = 1; i < records.size(); ++i) {
        const QStringList& rec = records.at(i);
        if (rec.isEmpty())
            continue;
        TemplateRow r;
        r.row = static_cast<int>(i); // data rows from 1, the header is row 0
        if (rec.size() != header.size()) {
            r.error = QStringLiteral("has %1 fields; the header has %2").arg(rec.size()).arg(header.size());
            rows.append(r);
            continue;
        }
        for (qsizetype k = 0; k < header.size(); ++k) {
            const QString name = header.at(k).trimmed();
            const QString type = variables.value(name).toObject().value(QLatin1String("type")).toString(QStringLiteral("string"));
            const QString cell = rec.at(k);
            if (cell.isEmpty() && variables.value(name).toObject().contains(QLatin1String("default")))
                continue; // empty: the default
            if (type == QLatin1String("integer") || type == QLatin1String("number")) {
                bool ok = false;
                const double d = cell.trimmed().toDouble(&ok);
                if (!ok) {
                    r.error = QStringLiteral("%1: '%2' is not a number").arg(name, cell.left(40));
                    break;
                }
                r.values.insert(name, d);
            } else if (type == QLatin1String("boolean")) {
                const QString b = cell.trimmed().toLower();
                if (b != QLatin1String("true") && b != QLatin1String("false") && b != QLatin1String("1") && b != QLatin1String("0")) {
                    r.error = QStringLiteral("%1: '%2' is not true or false").arg(name, cell.left(40));
                    break;
                }
                r.values.insert(name, b == QLatin1String("true") || b == QLatin1String("1"));
            } else {
                r.values.insert(name, cell);
            }
        }
        rows.append(r);
    }
    return rows;
}

std::optional<TemplateVersion> templateVersion(const StoredDoc& doc, int version)
{
    const QJsonArray versions = doc.doc.value(QLatin1String("versions")).toArray();
    for (qsizetype i = versions.size() - 1; i >= 0; --i) {
        const QJsonObject v = versions.at(i).toObject();
        if (version != 0 && v.value(QLatin1String("version")).toInt() != version)
            continue;
        TemplateVersion t;
        t.version = v.value(QLatin1String("version")).toInt();
        t.createdMs = v.value(QLatin1String("created_ms")).toInteger();
        t.kind = v.value(QLatin1String("kind")).toString();
        t.description = v.value(QLatin1String("description")).toString();
        t.variables = v.value(QLatin1String("variables")).toObject();
        t.body = v.value(QLatin1String("body")).toObject();
        return t;
    }
    return std::nullopt;
}

QJsonObject templateJson(const StoredDoc& doc, int version)
{
    QJsonObject o;
    o.insert(QStringLiteral("name"), doc.id);
    o.insert(QStringLiteral("object"), QStringLiteral("template"));
    if (auto t = templateVersion(doc, version)) {
        const QJsonObject v = t->toJson();
        for (auto it = v.constBegin(); it != v.constEnd(); ++it)
            o.insert(it.key(), it.value());
    }
    QJsonArray versions;
    for (const QJsonValue& v : doc.doc.value(QLatin1String("versions")).toArray())
        versions.append(QJsonObject { { QStringLiteral("version"), v.toObject().value(QLatin1String("version")) },
            { QStringLiteral("created_at"), msToIso(v.toObject().value(QLatin1String("created_ms")).toInteger()) } });
    o.insert(QStringLiteral("versions"), versions);
    return o;
}

std::optional<QString> templateNameProblem(const QString& name)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"));
    if (re.match(name).hasMatch())
        return std::nullopt;
    return QStringLiteral("is required: 1-128 letters, digits, _, . or -, starting with a letter or digit");
}

} // namespace llmsched
