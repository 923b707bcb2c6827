#pragma once

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QPlainTextEdit;
class QTimer;

namespace llmsched::ui {

// The process log (engine, store, providers, REST) as it is written: level
// and text filters, follows new lines unless the operator scrolls up.
class LogsView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogsView)

public:
    explicit LogsView(QWidget* parent = nullptr);

    QPlainTextEdit* text() const { return m_text; }
    void setMinimumLevel(int index); // 0 debug .. 3 error
    void setFilterText(const QString& text);
    // Reads new lines now (tests; the view polls a few times a second).
    void poll();

private:
    void rebuild();
    bool accepts(int type, const QString& line) const;

    QComboBox* m_level = nullptr;
    QLineEdit* m_filter = nullptr;
    QCheckBox* m_follow = nullptr;
    QPlainTextEdit* m_text = nullptr;
    QTimer* m_timer = nullptr;
    qint64 m_lastSeq = 0;
};

} // namespace llmsched::ui
