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
    m_carry = 0;
    if (m_rate > 0)
        m_timer.start(kTickMs);
    else
        m_timer.stop();
}

void DemoFeeder::feed()
{
    // Whole tasks per tick, the fractions carried over: 8/s is 0.8 a tick, so
    // four ticks in five submit one. (Deciding the fraction from the task
    // counter stalled for good once the counter stopped moving.)
    m_carry += m_rate * kTickMs / 1000.0;
    const int n = static_cast<int>(m_carry);
    m_carry -= n;
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
