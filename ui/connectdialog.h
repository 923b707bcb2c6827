#pragma once

#include "serverlist.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace llmsched::ui {

// File > Connect to server: the saved servers (name, URL; tokens in the
// keychain) and "This computer (embedded)"; Test asks the server, Connect
// switches the window to it.
class ConnectDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectDialog)

public:
    // `current`: the server shown now (empty: the embedded engine).
    explicit ConnectDialog(const QUrl& current, QWidget* parent = nullptr);

    // Selects the server of that URL, adding it first when it is not saved.
    void selectOrAdd(const QUrl& url);
    // Runs Test on the form (tests).
    void test();
    QString testResult() const;

signals:
    // Connect was chosen: show `url` (empty: the embedded engine) with `token`.
    void connectRequested(const QUrl& url, const QString& token);
    void tested(bool ok);

private:
    void fill();
    void onSelected();
    void addServer();
    void removeServer();
    void accept() override;
    // The form's server, or nothing (and a message) when its URL is not usable.
    std::optional<ServerEntry> formEntry();
    void withToken(const QUrl& url, std::function<void(const QString&)> then);

    QList<ServerEntry> m_servers;
    QListWidget* m_list = nullptr;
    QLineEdit* m_name = nullptr;
    QLineEdit* m_url = nullptr;
    QLineEdit* m_token = nullptr;
    QLabel* m_result = nullptr;
    QPushButton* m_test = nullptr;
    QPushButton* m_remove = nullptr;
    bool m_testOk = false;
};

} // namespace llmsched::ui
