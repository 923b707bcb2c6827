#pragma once

#include "provider.h"

#include "core/result.h"

#include <QHostAddress>
#include <QStringList>
#include <QUrl>

#include <qcoro/qcorotask.h>

#include <memory>

namespace llmsched {

// Where an http task may send its request: the defence against server-side
// request forgery (a task that makes the daemon fetch its own /health, a
// cloud metadata service or a host on the private network, and stores the
// answer where any viewer reads it).
//
// - The origin: by default only the endpoint's own base_url origin; another
//   host only when the endpoint's allowed_hosts names it ("host",
//   "host:port" or "*.domain"). An endpoint without base_url reaches only
//   its allowed_hosts.
// - The address: the host is resolved and every address it has must be
//   public; loopback, private, link-local (cloud metadata), carrier-grade
//   NAT, multicast and reserved ranges are refused unless the endpoint's own
//   base_url host is such an address (a local vLLM, a service in the same
//   network). The request then goes to the address that was checked, so a
//   second DNS answer cannot move it (the cleartext client connects to it;
//   for https the same lookup sits in Qt's host cache and the certificate
//   must still match the name).
// - Redirects are never followed (the HTTP clients do not).
class DestinationPolicy
{
public:
    enum class Scope : quint8 { Public, Loopback, Private, LinkLocal, Reserved };

    DestinationPolicy(QUrl base, QStringList allowedHosts);

    // For senders that may reach any origin (webhooks): hosts in this list
    // ("host", "host:port", "*.domain", or "*" for every host) may resolve
    // to non-public addresses too; refusals of others end with hint (where
    // an operator allows such a host).
    void allowNonPublic(QStringList hosts, QString hint);

    // nullopt when url's origin is allowed, else why not.
    std::optional<QString> checkOrigin(const QUrl& url) const;
    // Resolves url's host and checks its addresses; the address to connect to.
    // Unavailable errors are transient (DNS); Invalid ones are refusals.
    QCoro::Task<Result<QHostAddress>> resolve(QUrl url, std::shared_ptr<CallControl> control) const;

    static Scope scopeOf(const QHostAddress& address);
    static QString scopeName(Scope scope);
    static bool sameOrigin(const QUrl& a, const QUrl& b);

private:
    static bool listed(const QStringList& entries, const QUrl& url);
    bool allowlisted(const QUrl& url) const { return listed(m_allowedHosts, url); }
    QCoro::Task<Result<QList<QHostAddress>>> addressesOf(QString host, std::shared_ptr<CallControl> control) const;

    QUrl m_base;
    QStringList m_allowedHosts;
    QStringList m_nonPublicHosts;
    QString m_refusalHint;
};

} // namespace llmsched
