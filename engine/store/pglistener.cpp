#include "pglistener.h"

#include "clusterqueries.h"
#include "postgres.h"

#include "core/logging.h"

#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>

namespace llmsched {

namespace {
constexpr int kCheckMs = 2'000;
constexpr int kRetryMaxMs = 10'000;
} // namespace

PgListener::PgListener(PostgresUrl url, std::function<void(const QString& payload)> deliver)
    : m_url(std::move(url))
    , m_deliver(std::move(deliver))
{
    setObjectName(QStringLiteral("store-listener"));
}

PgListener::~PgListener()
{
    quit();
    wait();
}

void PgListener::run()
{
    const QString name = QStringLiteral("llmsched-listener-%1").arg(reinterpret_cast<quintptr>(this));
    QSqlDatabase db;
    QObject context;
    int retryMs = 200;
    bool warned = false;
    const auto connectNow = [&]() -> bool {
        if (db.isValid()) {
            db.close();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(name);
        }
        auto opened = openPostgres(m_url, name);
        if (!opened) {
            if (!warned)
                qCWarning(lcStore).noquote() << "the node listener cannot connect:" << opened.error().message;
            warned = true;
            return false;
        }
        db = *opened;
        QObject::connect(db.driver(), &QSqlDriver::notification, &context,
            [this](const QString& channel, QSqlDriver::NotificationSource, const QVariant& payload) {
                if (channel == QLatin1String(cluster::kChannel))
                    m_deliver(payload.toString());
            });
        if (!db.driver()->subscribeToNotification(QString(cluster::kChannel))) {
            qCWarning(lcStore).noquote() << "cannot LISTEN for the other nodes:" << db.driver()->lastError().text();
            return false;
        }
        if (warned)
            qCInfo(lcStore) << "the node listener is connected again";
        warned = false;
        return true;
    };

    QTimer check;
    check.setSingleShot(true);
    QObject::connect(&check, &QTimer::timeout, &context, [&] {
        bool alive = m_listening.load(std::memory_order_relaxed) && QSqlQuery(db).exec(QStringLiteral("SELECT 1"));
        // A notification that arrived while the check ran was read with its
        // answer, and the socket will not say so again: hand it over now.
        if (alive)
            QMetaObject::invokeMethod(db.driver(), "_q_handleNotification", Qt::DirectConnection);
        if (!alive) {
            m_listening.store(false, std::memory_order_relaxed);
            if (connectNow()) {
                m_listening.store(true, std::memory_order_relaxed);
                retryMs = 200;
                m_deliver(QString(nodemsg::kTasksWaiting)); // what was sent meanwhile is lost
            } else {
                retryMs = std::min(retryMs * 2, kRetryMaxMs);
                check.start(retryMs);
                return;
            }
        }
        check.start(kCheckMs);
    });
    if (connectNow())
        m_listening.store(true, std::memory_order_relaxed);
    check.start(m_listening ? kCheckMs : retryMs);
    exec();
    check.stop();
    m_listening.store(false, std::memory_order_relaxed);
    if (db.isValid()) {
        db.driver()->unsubscribeFromNotification(QString(cluster::kChannel));
        db.close();
        db = QSqlDatabase();
    }
    QSqlDatabase::removeDatabase(name);
}

} // namespace llmsched
