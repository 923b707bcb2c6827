#include "mainwindow.h"

#include "livestate.h"
#include "modelsview.h"
#include "statisticsview.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QStackedWidget>

namespace llmsched::ui {

MainWindow::MainWindow(LiveState& live, QWidget* parent)
    : QMainWindow(parent)
    , m_live(live)
{
    setWindowTitle(tr("LLM Scheduler"));
    auto* central = new QWidget(this);
    auto* layout = new QHBoxLayout(central);
    m_nav = new QListWidget(central);
    m_stack = new QStackedWidget(central);
    layout->addWidget(m_nav);
    layout->addWidget(m_stack, 1);
    const QStringList names = { tr("Queue"), tr("Models"), tr("Statistics"), tr("Dead letters"), tr("Logs") };
    m_nav->addItems(names);
    m_stack->addWidget(new QLabel(tr("Queue"), m_stack));
    m_stack->addWidget(new ModelsView(live, m_stack));
    m_stack->addWidget(new StatisticsView(live, m_stack));
    m_stack->addWidget(new QLabel(tr("Dead letters"), m_stack));
    m_stack->addWidget(new QLabel(tr("Logs"), m_stack));
    connect(m_nav, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);
    setCentralWidget(central);
    resize(1200, 780);
}

void MainWindow::showView(View v)
{
    m_nav->setCurrentRow(static_cast<int>(v));
}

QWidget* MainWindow::view(View v) const
{
    return m_stack->widget(static_cast<int>(v));
}

} // namespace llmsched::ui
