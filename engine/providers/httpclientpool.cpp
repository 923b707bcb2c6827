#include "httpclientpool.h"

#include <QNetworkAccessManager>

namespace llmsched {

HttpClientPool::HttpClientPool(QObject* parent)
    : QObject(parent)
    , m_http1(new Http1Pool(this))
    , m_cleartextDirect(qEnvironmentVariable("LLMSCHED_HTTP_CLIENT") != QLatin1String("qnam"))
{
}

HttpClientPool::~HttpClientPool() = default; // managers are children

QString HttpClientPool::originKey(const QUrl& url)
{
    return url.scheme() + QLatin1String("://") + url.host() + QLatin1Char(':')
        + QString::number(url.port(url.scheme() == QLatin1String("https") ? 443 : 80));
}

void HttpClientPool::grow(Origin& o)
{
    while (o.load.size() < m_managers.size()) {
        o.load.push_back(0);
        o.inSpare.push_back(true);
        o.spare.push_back(static_cast<int>(o.load.size()) - 1);
    }
}

QNetworkAccessManager* HttpClientPool::acquire(const QUrl& url)
{
    Origin& o = m_origins[originKey(url)];
    grow(o);
    const int limit = perManager(o);
    // Drop entries that filled up meanwhile (e.g. after the limit changed).
    while (!o.spare.empty() && o.load[static_cast<size_t>(o.spare.back())] >= limit) {
        o.inSpare[static_cast<size_t>(o.spare.back())] = false;
        o.spare.pop_back();
    }
    int index = -1;
    if (!o.spare.empty()) {
        index = o.spare.back();
    } else if (static_cast<int>(m_managers.size()) < m_maxManagers) {
        auto* nam = new QNetworkAccessManager(this);
        nam->setAutoDeleteReplies(false);
        m_index.insert(nam, static_cast<int>(m_managers.size()));
        m_managers.push_back(nam);
        grow(o);
        index = o.spare.back();
    } else {
        // At the cap: share the least loaded manager (its extra requests queue inside it).
        index = 0;
        for (size_t i = 1; i < o.load.size(); ++i)
            if (o.load[i] < o.load[static_cast<size_t>(index)])
                index = static_cast<int>(i);
    }
    const auto i = static_cast<size_t>(index);
    if (++o.load[i] >= limit && o.inSpare[i] && !o.spare.empty() && o.spare.back() == index) {
        o.spare.pop_back();
        o.inSpare[i] = false;
    }
    ++m_inflight;
    return m_managers[i];
}

void HttpClientPool::release(QNetworkAccessManager* manager, const QUrl& url)
{
    auto it = m_index.constFind(manager);
    if (it == m_index.constEnd())
        return;
    Origin& o = m_origins[originKey(url)];
    grow(o);
    const auto i = static_cast<size_t>(it.value());
    if (o.load[i] > 0)
        --o.load[i];
    --m_inflight;
    if (!o.inSpare[i] && o.load[i] < perManager(o)) {
        o.spare.push_back(it.value());
        o.inSpare[i] = true;
    }
}

void HttpClientPool::noteHttp2(const QUrl& url)
{
    Origin& o = m_origins[originKey(url)];
    if (o.http2)
        return;
    o.http2 = true;
    grow(o);
    for (size_t i = 0; i < o.load.size(); ++i) {
        if (!o.inSpare[i] && o.load[i] < kHttp2PerManager) {
            o.spare.push_back(static_cast<int>(i));
            o.inSpare[i] = true;
        }
    }
}

} // namespace llmsched
