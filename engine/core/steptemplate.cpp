#include "steptemplate.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace llmsched::steptemplate {

namespace {

// One parsed reference: {{steps.key.field.path...}}.
struct Segment
{
    QString name; // a member
    qsizetype index = -1; // or an element
};
struct Reference
{
    QString text; // as written, without the braces, for messages
    QString key;
    QString field; // output, error, state, id
    QList<Segment> path;
};

bool keyChar(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'_' || c == u'-';
}

// Parses the text between "{{" and "}}". Errors are for the user.
Result<Reference> parseReference(QStringView inner)
{
    Reference r;
    const QStringView t = inner.trimmed();
    r.text = t.toString();
    const auto bad = [&r](const QString& why) { return Error::invalid(QStringLiteral("input"), QStringLiteral("{{%1}}: %2").arg(r.text, why)); };
    if (!t.startsWith(u"steps."))
        return bad(QStringLiteral("a reference starts with steps."));
    qsizetype i = 6;
    const qsizetype keyStart = i;
    while (i < t.size() && keyChar(t[i]))
        ++i;
    r.key = t.mid(keyStart, i - keyStart).toString();
    if (!validKey(r.key))
        return bad(QStringLiteral("a step key is 1-64 letters, digits, _ or -"));
    if (i >= t.size() || t[i] != u'.')
        return bad(QStringLiteral("name what to take: steps.%1.output, .error, .state or .id").arg(r.key));
    ++i;
    const qsizetype fieldStart = i;
    while (i < t.size() && keyChar(t[i]))
        ++i;
    r.field = t.mid(fieldStart, i - fieldStart).toString();
    if (r.field != QLatin1String("output") && r.field != QLatin1String("error") && r.field != QLatin1String("state")
        && r.field != QLatin1String("id"))
        return bad(QStringLiteral("'%1' is not output, error, state or id").arg(r.field));
    while (i < t.size()) {
        if (r.field != QLatin1String("output"))
            return bad(QStringLiteral("only output has a path"));
        if (t[i] == u'.') {
            const qsizetype s = ++i;
            while (i < t.size() && t[i] != u'.' && t[i] != u'[')
                ++i;
            if (i == s)
                return bad(QStringLiteral("an empty name after '.'"));
            r.path.append({ t.mid(s, i - s).toString(), -1 });
        } else if (t[i] == u'[') {
            const qsizetype close = t.indexOf(u']', i);
            bool ok = false;
            const qsizetype n = close < 0 ? -1 : t.mid(i + 1, close - i - 1).toLongLong(&ok);
            if (!ok || n < 0)
                return bad(QStringLiteral("an index is a number in brackets, e.g. [0]"));
            r.path.append({ {}, n });
            i = close + 1;
        } else {
            return bad(QStringLiteral("unexpected '%1'").arg(t[i]));
        }
    }
    return r;
}

// Calls fn(start, end, inner) for every "{{ steps...}}" of s (start and end
// bound the braces); stops at the first error fn answers.
template <typename F> std::optional<Error> forEachReference(const QString& s, F&& fn)
{
    qsizetype from = 0;
    while (true) {
        const qsizetype open = s.indexOf(QLatin1String("{{"), from);
        if (open < 0)
            return std::nullopt;
        qsizetype p = open + 2;
        while (p < s.size() && s[p] == u' ')
            ++p;
        if (!QStringView(s).mid(p).startsWith(u"steps.")) {
            from = open + 2;
            continue;
        }
        const qsizetype close = s.indexOf(QLatin1String("}}"), p);
        if (close < 0)
            return Error::invalid(QStringLiteral("input"), QStringLiteral("'%1' is not closed with }}").arg(s.mid(open, 40)));
        if (auto err = fn(open, close + 2, QStringView(s).mid(open + 2, close - open - 2)))
            return err;
        from = close + 2;
    }
}

// Calls fn(string) for every string in v, depth first; fn may replace it.
template <typename F> std::optional<Error> walkStrings(QJsonValue& v, F&& fn)
{
    if (v.isString())
        return fn(v);
    if (v.isArray()) {
        QJsonArray a = v.toArray();
        bool changed = false;
        for (qsizetype i = 0; i < a.size(); ++i) {
            QJsonValue e = a.at(i);
            const QJsonValue before = e;
            if (auto err = walkStrings(e, fn))
                return err;
            if (e != before) {
                a.replace(i, e);
                changed = true;
            }
        }
        if (changed)
            v = a;
    } else if (v.isObject()) {
        QJsonObject o = v.toObject();
        bool changed = false;
        for (auto it = o.begin(); it != o.end(); ++it) {
            QJsonValue e = it.value();
            const QJsonValue before = e;
            if (auto err = walkStrings(e, fn))
                return err;
            if (e != before) {
                it.value() = e;
                changed = true;
            }
        }
        if (changed)
            v = o;
    }
    return std::nullopt;
}

Result<QJsonValue> resolve(const Reference& r, const QHash<QString, StepResult>& steps)
{
    const auto fail = [&r](const QString& where, const QString& why) {
        return Error::invalid(QStringLiteral("input"), QStringLiteral("%1: %2").arg(where, why));
    };
    auto s = steps.constFind(r.key);
    if (s == steps.constEnd())
        return fail(QStringLiteral("steps.") + r.key, QStringLiteral("is not a parent of this step"));
    if (r.field == QLatin1String("id"))
        return QJsonValue(s->id);
    if (r.field == QLatin1String("state"))
        return QJsonValue(s->state);
    if (r.field == QLatin1String("error"))
        return QJsonValue(s->error);
    QString where = QStringLiteral("steps.%1.output").arg(r.key);
    if (s->output.isEmpty())
        return fail(where, QStringLiteral("step '%1' has no output (it ended %2)").arg(r.key, s->state));
    const QJsonDocument doc = QJsonDocument::fromJson(s->output);
    QJsonValue v = doc.isObject() ? QJsonValue(doc.object()) : doc.isArray() ? QJsonValue(doc.array()) : QJsonValue();
    for (const Segment& seg : r.path) {
        if (seg.index >= 0) {
            if (!v.isArray())
                return fail(where, QStringLiteral("is not an array, so it has no [%1]").arg(seg.index));
            const QJsonArray a = v.toArray();
            if (seg.index >= a.size())
                return fail(where + QStringLiteral("[%1]").arg(seg.index),
                    QStringLiteral("the array has %1 element%2").arg(a.size()).arg(a.size() == 1 ? QString() : QStringLiteral("s")));
            v = a.at(seg.index);
            where += QStringLiteral("[%1]").arg(seg.index);
        } else {
            if (!v.isObject())
                return fail(where, QStringLiteral("is not an object, so it has no '%1'").arg(seg.name));
            const QJsonObject o = v.toObject();
            if (!o.contains(seg.name))
                return fail(where + QLatin1Char('.') + seg.name, QStringLiteral("no such member"));
            v = o.value(seg.name);
            where += QLatin1Char('.') + seg.name;
        }
    }
    return v;
}

QString asText(const QJsonValue& v)
{
    if (v.isString())
        return v.toString();
    if (v.isObject())
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    if (v.isArray())
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (v.isDouble())
        return QString::number(v.toDouble(), 'g', 17);
    return QStringLiteral("null");
}

QJsonValue inputValue(const QByteArray& input)
{
    const QJsonDocument doc = QJsonDocument::fromJson(input);
    return doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
}

} // namespace

bool validKey(QStringView key)
{
    if (key.isEmpty() || key.size() > 64)
        return false;
    for (QChar c : key)
        if (!keyChar(c))
            return false;
    return true;
}

Result<QStringList> referencedKeys(const QByteArray& input)
{
    QStringList keys;
    if (!input.contains("{{"))
        return keys;
    QJsonValue v = inputValue(input);
    auto err = walkStrings(v, [&keys](QJsonValue& s) -> std::optional<Error> {
        return forEachReference(s.toString(), [&keys](qsizetype, qsizetype, QStringView inner) -> std::optional<Error> {
            auto r = parseReference(inner);
            if (!r)
                return r.error();
            if (!keys.contains(r->key))
                keys.append(r->key);
            return std::nullopt;
        });
    });
    if (err)
        return *err;
    return keys;
}

Result<QByteArray> render(const QByteArray& input, const QHash<QString, StepResult>& steps)
{
    if (!input.contains("{{"))
        return input;
    QJsonValue v = inputValue(input);
    auto err = walkStrings(v, [&steps](QJsonValue& s) -> std::optional<Error> {
        const QString text = s.toString();
        QString out;
        qsizetype copied = 0;
        std::optional<QJsonValue> whole;
        auto e = forEachReference(text, [&](qsizetype start, qsizetype end, QStringView inner) -> std::optional<Error> {
            auto r = parseReference(inner);
            if (!r)
                return r.error();
            auto value = resolve(*r, steps);
            if (!value)
                return value.error();
            if (start == 0 && end == text.size())
                whole = *value;
            out += QStringView(text).mid(copied, start - copied);
            out += asText(*value);
            copied = end;
            return std::nullopt;
        });
        if (e)
            return e;
        if (whole)
            s = *whole;
        else if (copied > 0)
            s = QString(out + QStringView(text).mid(copied));
        return std::nullopt;
    });
    if (err)
        return *err;
    return v.isArray() ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact) : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
}

} // namespace llmsched::steptemplate
