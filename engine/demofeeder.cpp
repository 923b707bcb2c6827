#include "demofeeder.h"

#include "engine.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace llmsched {

namespace {
constexpr int kTickMs = 100;
}

DemoFeeder::DemoFeeder(Engine& engine, QObject* parent)
    : QObject(parent)
    , m_engine(engine)
{
    connect(&m_timer, &QTimer::timeout, this, &DemoFeeder::feed);
}

void DemoFeeder::setRate(double perSecond)
{
    m_rate = std::max(0.0, perSecond);
    if (m_rate > 0)
        m_timer.start(kTickMs);
    else
        m_timer.stop();
}

void DemoFeeder::feed()
{
    const double perTick = m_rate * kTickMs / 1000.0;
    int n = static_cast<int>(perTick);
    if (static_cast<double>(m_counter % 10) < (perTick - n) * 10)
        ++n;
    QList<TaskSpec> specs;
    for (int i = 0; i < n; ++i) {
        TaskSpec s;
        s.model = m_model;
        const quint64 k = ++m_counter;
        s.priority = static_cast<int>((k * 7) % 10);
        s.input = QJsonDocument(QJsonObject { { QStringLiteral("messages"),
                                    QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
                                        { QStringLiteral("content"), QStringLiteral("Demo question #%1").arg(k) } } } } })
                      .toJson(QJsonDocument::Compact);
        s.tags = { QStringLiteral("demo") };
        specs.append(std::move(s));
    }
    if (!specs.isEmpty())
        m_engine.submit(std::move(specs));
}

} // namespace llmsched
