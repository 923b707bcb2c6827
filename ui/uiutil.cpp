#include "uiutil.h"

#include "core/enginetypes.h"

#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QHeaderView>
#include <QTableView>
#include <QLocale>
#include <QRegularExpression>

namespace llmsched::ui {

QString Text::state(TaskState s)
{
    switch (s) {
    case TaskState::Queued:
        return tr("queued");
    case TaskState::Scheduled:
        return tr("scheduled");
    case TaskState::Blocked:
        return tr("blocked");
    case TaskState::Running:
        return tr("running");
    case TaskState::RetryWait:
        return tr("retry wait");
    case TaskState::Succeeded:
        return tr("succeeded");
    case TaskState::Dead:
        return tr("dead");
    case TaskState::Cancelled:
        return tr("cancelled");
    }
    return {};
}

QString Text::priority(int p)
{
    // The API's words (high = 1, medium = 5, low = 8), so an imported "high" reads "1 (high)".
    if (p == kHighPriority)
        return tr("%1 (high)").arg(p);
    if (p == kMediumPriority)
        return tr("%1 (medium)").arg(p);
    if (p == kLowPriority)
        return tr("%1 (low)").arg(p);
    return QString::number(p);
}

QString Text::count(qint64 n)
{
    return QLocale().toString(n);
}

QString Text::rate(double perSecond)
{
    if (perSecond > 0 && perSecond < 10)
        return tr("%1/s").arg(QLocale().toString(perSecond, 'f', 1));
    return tr("%1/s").arg(QLocale().toString(qRound64(perSecond)));
}

QString Text::bytes(qint64 n)
{
    return QLocale().formattedDataSize(n, 1, QLocale::DataSizeTraditionalFormat);
}

QString Text::duration(qint64 ms)
{
    const QLocale l;
    if (ms < 1000)
        return tr("%1 ms").arg(ms);
    if (ms < 60'000)
        return tr("%1 s").arg(l.toString(ms / 1000.0, 'f', 1));
    if (ms < 3'600'000)
        return tr("%1 min %2 s").arg(ms / 60'000).arg((ms / 1000) % 60);
    return tr("%1 h %2 min").arg(ms / 3'600'000).arg((ms / 60'000) % 60);
}

QString Text::money(double usd)
{
    const QLocale l;
    if (usd == 0)
        return QStringLiteral("$0");
    if (usd < 0.0001)
        return QStringLiteral("<$0.0001");
    return QLatin1Char('$') + l.toString(usd, 'f', usd < 1 ? 4 : 2);
}

QString Text::time(qint64 ms)
{
    if (ms <= 0)
        return {};
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString Text::labels(const QJsonObject& labels)
{
    QStringList parts;
    for (auto it = labels.constBegin(); it != labels.constEnd(); ++it)
        parts.append(it.key() + QLatin1Char('=') + it.value().toString());
    return parts.join(QStringLiteral(", "));
}

QString Text::withoutMnemonic(QString text)
{
    static const QRegularExpression cjk(QStringLiteral("\\s*\\(&[^)]\\)"));
    text.remove(cjk);
    text.replace(QLatin1String("&&"), QLatin1String("\x01"));
    text.remove(QLatin1Char('&'));
    text.replace(QLatin1Char('\x01'), QLatin1Char('&'));
    if (text.endsWith(QChar(0x2026)))
        text.chop(1);
    else if (text.endsWith(QLatin1String("...")))
        text.chop(3);
    return text.trimmed();
}

QString Text::circuit(const QString& circuit)
{
    if (circuit == QLatin1String("closed"))
        return tr("closed");
    if (circuit == QLatin1String("open"))
        return tr("open");
    if (circuit == QLatin1String("half_open"))
        return tr("half-open");
    return circuit;
}

QAction* viewAction(QWidget* view, const QString& text, const QKeySequence& key, const QString& themeIcon)
{
    auto* a = new QAction(QIcon::fromTheme(themeIcon), text, view);
    a->setIconText(Text::withoutMnemonic(text)); // a button says "刷新", not "刷新(R)"
    a->setShortcut(key);
    a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    view->addAction(a);
    return a;
}

void setupTaskTable(QTableView* table)
{
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table->setWordWrap(false);
    table->setShowGrid(false);
    table->setAlternatingRowColors(true);
    table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 8);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
}

EmptyHint::EmptyHint(QAbstractScrollArea* view)
    : QLabel(view->viewport())
{
    setObjectName(QStringLiteral("emptyHint"));
    setAlignment(Qt::AlignCenter);
    setWordWrap(true);
    setTextFormat(Qt::PlainText);
    setForegroundRole(QPalette::PlaceholderText);
    setAttribute(Qt::WA_TransparentForMouseEvents);
    view->viewport()->installEventFilter(this);
    hide();
}

void EmptyHint::setHint(const QString& text)
{
    setText(text);
    setVisible(!text.isEmpty());
    place();
}

bool EmptyHint::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::Resize)
        place();
    return QLabel::eventFilter(watched, event);
}

void EmptyHint::place()
{
    const QRect area = parentWidget()->rect();
    const int w = std::max(100, std::min(area.width() - 40, 640));
    const int h = std::max(heightForWidth(w), sizeHint().height());
    setGeometry(area.center().x() - w / 2, std::max(24, area.height() / 3 - h / 2), w, h);
}

void syncModelCombo(QComboBox* combo, const EngineSnapshot& snapshot)
{
    QStringList names;
    for (const ModelSnapshot& m : snapshot.models)
        names.append(m.name);
    QStringList have;
    for (int i = 1; i < combo->count(); ++i)
        have.append(combo->itemData(i).toString());
    if (have == names)
        return;
    const QString current = combo->currentData().toString();
    QSignalBlocker block(combo);
    while (combo->count() > 1)
        combo->removeItem(1);
    for (const QString& n : names)
        combo->addItem(n, n);
    combo->setCurrentIndex(std::max(0, combo->findData(current)));
}

QColor stateColor(TaskState s)
{
    switch (s) {
    case TaskState::Queued:
        return QColor(0x5b, 0x8d, 0xd9);
    case TaskState::Scheduled:
        return QColor(0x8e, 0x7c, 0xc3);
    case TaskState::Blocked:
        return QColor(0x9a, 0x9a, 0x9a);
    case TaskState::Running:
        return QColor(0x2e, 0xa3, 0xb0);
    case TaskState::RetryWait:
        return QColor(0xe0, 0x9b, 0x2d);
    case TaskState::Succeeded:
        return QColor(0x3c, 0xa5, 0x5c);
    case TaskState::Dead:
        return QColor(0xd6, 0x45, 0x45);
    case TaskState::Cancelled:
        return QColor(0x8a, 0x8a, 0x8a);
    }
    return {};
}

} // namespace llmsched::ui
