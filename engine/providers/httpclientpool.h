#pragma once

#include "http1pool.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QUrl>

#include <vector>

class QNetworkAccessManager;

namespace llmsched {

// QNetworkAccessManager opens at most 6 HTTP/1.1 connections per origin (and
// Qt 6.4 cannot raise that), so thousands of calls in flight to one local
// server need many managers: each has its own connection cache. The pool hands
// out the manager with spare connections for an origin, creating managers as
// load grows (up to a cap), and reuses recently freed ones first so warm
// keep-alive connections carry the next calls. Origins that answered over
// HTTP/2 multiplex up to 100 streams on one connection, so one manager carries
// 100 calls there. Cleartext http:// origins (local model servers, where
// thousands of calls are in flight) skip the managers and their per-manager
// thread hops: Http1Pool speaks keep-alive HTTP/1.1 on the engine thread.
// Engine thread only.
class HttpClientPool final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpClientPool)

public:
    static constexpr int kHttp1PerManager = 6;
    static constexpr int kHttp2PerManager = 100;
    static constexpr int kDefaultMaxManagers = 2048;

    explicit HttpClientPool(QObject* parent = nullptr);
    ~HttpClientPool() override;

    // "scheme://host:port" with the scheme's default port filled in: what
    // connections, the SSRF check and key references are keyed by.
    static QString originKey(const QUrl& url);

    // A manager for one request to url's origin; give it back with release().
    QNetworkAccessManager* acquire(const QUrl& url);
    void release(QNetworkAccessManager* manager, const QUrl& url);
    // The origin answered over HTTP/2: pack more requests per manager.
    void noteHttp2(const QUrl& url);

    int managerCount() const { return static_cast<int>(m_managers.size()); }
    // Cleartext origins go through this direct keep-alive client instead of a manager.
    Http1Pool& http1() { return *m_http1; }
    // False when LLMSCHED_HTTP_CLIENT=qnam: every origin goes through the
    // managers (the test suite runs the provider tests both ways).
    bool cleartextDirect() const { return m_cleartextDirect; }
    int inflight() const { return m_inflight; }
    void setMaxManagers(int n) { m_maxManagers = n; }

private:
    struct Origin
    {
        std::vector<int> load; // per manager index
        std::vector<int> spare; // manager indices below the per-manager limit (stack)
        std::vector<bool> inSpare;
        bool http2 = false;
    };
    int perManager(const Origin& o) const { return o.http2 ? kHttp2PerManager : kHttp1PerManager; }
    void grow(Origin& o);

    Http1Pool* m_http1;
    bool m_cleartextDirect = true;
    std::vector<QNetworkAccessManager*> m_managers;
    QHash<QNetworkAccessManager*, int> m_index;
    QHash<QString, Origin> m_origins;
    int m_maxManagers = kDefaultMaxManagers;
    int m_inflight = 0;
};

} // namespace llmsched
