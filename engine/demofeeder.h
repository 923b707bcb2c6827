#pragma once

#include <QObject>
#include <QTimer>

namespace llmsched {

class Engine;

// Feeds the simulated "demo" model a steady trickle of mixed-priority chat
// tasks, so a fresh install shows work flowing before any endpoint is set up
// (the daemon's --simulate --demo-rate, the GUI's first run).
class DemoFeeder final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DemoFeeder)

public:
    explicit DemoFeeder(Engine& engine, QObject* parent = nullptr);

    // Tasks per second; 0 stops.
    void setRate(double perSecond);
    double rate() const { return m_rate; }
    bool isRunning() const { return m_timer.isActive(); }
    QString model() const { return m_model; }
    void setModel(const QString& model) { m_model = model; }

private:
    void feed();

    Engine& m_engine;
    QTimer m_timer;
    double m_rate = 0;
    quint64 m_counter = 0;
    double m_carry = 0; // fraction of a task owed from earlier ticks
    QString m_model = QStringLiteral("demo");
};

} // namespace llmsched
