#pragma once

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace llmsched::ui {

class LiveState;

// Submits one task (or N copies of it) to a model: a prompt, or the raw JSON
// input object for any kind. Validation is the engine's own (TaskSpec::fromJson),
// shown in the dialog; nothing is submitted until it passes.
class SubmitDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SubmitDialog)

public:
    explicit SubmitDialog(LiveState& live, QWidget* parent = nullptr);

    // For tests and scripted use.
    void setModel(const QString& model);
    void setPrompt(const QString& text);
    void setRawJson(bool raw);
    void setCopies(int n);
    void setPriority(int priority);
    QString errorText() const;

    void submit();

signals:
    void submitted(const QStringList& ids);

private:
    LiveState& m_live;
    QComboBox* m_model = nullptr;
    QComboBox* m_kind = nullptr;
    QSpinBox* m_priority = nullptr;
    QSpinBox* m_copies = nullptr;
    QLineEdit* m_tags = nullptr;
    QCheckBox* m_raw = nullptr;
    QPlainTextEdit* m_text = nullptr;
    QLabel* m_error = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace llmsched::ui
