#pragma once

#include "settings.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTreeWidget;

namespace llmsched::ui {

class LiveState;

// Preferences: data directory, REST server and its access tokens, theme,
// language, demo feed, notifications. What needs a restart says so.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)

public:
    // restAddress: where this window's REST server listens (empty: it does
    // not); restError: why it does not, when it failed to start.
    SettingsDialog(LiveState& live, const Settings& settings, const QString& restAddress, const QString& restError = {}, QWidget* parent = nullptr);

    Settings settings() const;
    void reloadTokens();

signals:
    void tokensLoaded();

private:
    void createToken();
    void revokeToken();

    LiveState& m_live;
    Settings m_settings;
    QLineEdit* m_dataDir = nullptr;
    QComboBox* m_language = nullptr;
    QComboBox* m_theme = nullptr;
    QCheckBox* m_demo = nullptr;
    QDoubleSpinBox* m_demoRate = nullptr;
    QCheckBox* m_tray = nullptr;
    QLineEdit* m_webhookHosts = nullptr;
    QCheckBox* m_api = nullptr;
    QLineEdit* m_apiAddress = nullptr;
    QSpinBox* m_apiPort = nullptr;
    QTreeWidget* m_tokens = nullptr;
    QLabel* m_tokenMessage = nullptr;
};

} // namespace llmsched::ui
