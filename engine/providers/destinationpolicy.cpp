#include "destinationpolicy.h"

#include "httpclientpool.h"

#include <QFuture>
#include <QHostInfo>
#include <QPromise>

#include <qcoro/qcorofuture.h>

#include <memory>

namespace llmsched {

namespace {
int defaultPort(const QUrl& url)
{
    return url.port(url.scheme() == QLatin1String("https") ? 443 : 80);
}

struct Range
{
    quint32 network;
    int prefix;
    DestinationPolicy::Scope scope;
};

// IPv4 ranges that are not the public internet (RFC 6890 and friends).
constexpr Range kIpv4Ranges[] = {
    { 0x00000000, 8, DestinationPolicy::Scope::Reserved }, // "this network": 0.0.0.0 reaches the local host
    { 0x0a000000, 8, DestinationPolicy::Scope::Private },
    { 0x64400000, 10, DestinationPolicy::Scope::Private }, // carrier-grade NAT (some clouds' metadata live here)
    { 0x7f000000, 8, DestinationPolicy::Scope::Loopback }, { 0xa9fe0000, 16, DestinationPolicy::Scope::LinkLocal }, // 169.254.169.254: cloud metadata
    { 0xac100000, 12, DestinationPolicy::Scope::Private }, { 0xc0000000, 24, DestinationPolicy::Scope::Reserved },
    { 0xc0000200, 24, DestinationPolicy::Scope::Reserved }, // documentation
    { 0xc0a80000, 16, DestinationPolicy::Scope::Private }, { 0xc6120000, 15, DestinationPolicy::Scope::Reserved }, // benchmarking
    { 0xc6336400, 24, DestinationPolicy::Scope::Reserved }, // documentation
    { 0xcb007100, 24, DestinationPolicy::Scope::Reserved }, // documentation
    { 0xe0000000, 4, DestinationPolicy::Scope::Reserved }, // multicast
    { 0xf0000000, 4, DestinationPolicy::Scope::Reserved }, // reserved and broadcast
};

DestinationPolicy::Scope scopeOfIpv4(quint32 a)
{
    for (const Range& r : kIpv4Ranges) {
        const quint32 mask = r.prefix == 0 ? 0 : ~quint32(0) << (32 - r.prefix);
        if ((a & mask) == r.network)
            return r.scope;
    }
    return DestinationPolicy::Scope::Public;
}
} // namespace

DestinationPolicy::DestinationPolicy(QUrl base, QStringList allowedHosts)
    : m_base(std::move(base))
    , m_allowedHosts(std::move(allowedHosts))
{
}

DestinationPolicy::Scope DestinationPolicy::scopeOf(const QHostAddress& address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4); // also IPv4-mapped IPv6 (::ffff:a.b.c.d)
    if (isV4)
        return scopeOfIpv4(v4);
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return Scope::Reserved;
    const Q_IPV6ADDR a = address.toIPv6Address();
    const auto embedded = [&a](int at) { return quint32(a[at]) << 24 | quint32(a[at + 1]) << 16 | quint32(a[at + 2]) << 8 | a[at + 3]; };
    bool zeroPrefix = true;
    for (int i = 0; i < 15; ++i)
        zeroPrefix = zeroPrefix && a[i] == 0;
    if (zeroPrefix)
        return a[15] == 1 ? Scope::Loopback : Scope::Reserved; // ::1, ::
    bool compatible = true; // ::a.b.c.d (deprecated IPv4-compatible)
    for (int i = 0; i < 12; ++i)
        compatible = compatible && a[i] == 0;
    if (compatible)
        return Scope::Reserved;
    if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b) // 64:ff9b::/96 NAT64: the IPv4 inside decides
        return scopeOfIpv4(embedded(12));
    if (a[0] == 0x20 && a[1] == 0x02) // 2002::/16 6to4
        return scopeOfIpv4(embedded(2));
    if ((a[0] & 0xfe) == 0xfc) // fc00::/7 unique local (fd00:ec2::254: cloud metadata)
        return Scope::Private;
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) // fe80::/10
        return Scope::LinkLocal;
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) // fec0::/10 site-local
        return Scope::Private;
    if (a[0] == 0xff) // multicast
        return Scope::Reserved;
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) // 2001:db8::/32 documentation
        return Scope::Reserved;
    if (a[0] == 0x01 && a[1] == 0x00 && a[2] == 0 && a[3] == 0 && a[4] == 0 && a[5] == 0 && a[6] == 0 && a[7] == 0) // 100::/64 discard
        return Scope::Reserved;
    return Scope::Public;
}

QString DestinationPolicy::scopeName(Scope scope)
{
    switch (scope) {
    case Scope::Public:
        return QStringLiteral("public");
    case Scope::Loopback:
        return QStringLiteral("loopback");
    case Scope::Private:
        return QStringLiteral("private-network");
    case Scope::LinkLocal:
        return QStringLiteral("link-local (cloud metadata)");
    case Scope::Reserved:
        return QStringLiteral("reserved");
    }
    return {};
}

bool DestinationPolicy::sameOrigin(const QUrl& a, const QUrl& b)
{
    return a.scheme() == b.scheme() && a.host().compare(b.host(), Qt::CaseInsensitive) == 0 && defaultPort(a) == defaultPort(b);
}

void DestinationPolicy::allowNonPublic(QStringList hosts, QString hint)
{
    m_nonPublicHosts = std::move(hosts);
    m_refusalHint = std::move(hint);
}

bool DestinationPolicy::listed(const QStringList& entries, const QUrl& url)
{
    const QString host = url.host().toLower();
    const int port = defaultPort(url);
    for (const QString& entry : entries) {
        const bool wildcard = entry.startsWith(QLatin1String("*."));
        const QUrl parsed(QStringLiteral("http://") + entry.mid(wildcard ? 2 : 0).toLower());
        if (parsed.port(-1) >= 0 && parsed.port(-1) != port)
            continue;
        if (wildcard ? host.endsWith(QLatin1Char('.') + parsed.host()) : host == parsed.host())
            return true;
    }
    return false;
}

std::optional<QString> DestinationPolicy::checkOrigin(const QUrl& url) const
{
    if (!m_base.isEmpty() && sameOrigin(url, m_base))
        return std::nullopt;
    if (allowlisted(url))
        return std::nullopt;
    const QString origin = HttpClientPool::originKey(url);
    if (m_base.isEmpty())
        return QStringLiteral("%1 is not in this endpoint's allowed_hosts (an http endpoint without base_url "
                              "reaches only those)")
            .arg(origin);
    return QStringLiteral("%1 is not this endpoint's origin; add the host to the endpoint's allowed_hosts to let tasks call it").arg(origin);
}

QCoro::Task<Result<QList<QHostAddress>>> DestinationPolicy::addressesOf(QString host, std::shared_ptr<CallControl> control) const
{
    const QHostAddress literal(host);
    if (!literal.isNull())
        co_return QList<QHostAddress> { literal };
    // Ends with the lookup's answer or the call's abort, whichever comes first.
    struct Lookup
    {
        QPromise<void> promise;
        std::optional<QHostInfo> info;
    };
    auto lookup = std::make_shared<Lookup>();
    QFuture<void> done = lookup->promise.future();
    lookup->promise.start();
    QObject context; // answers come back on this thread, and not at all once this call is gone
    QHostInfo::lookupHost(host, &context, [lookup](const QHostInfo& info) {
        if (lookup->info)
            return;
        lookup->info = info;
        lookup->promise.finish();
    });
    QObject::connect(control.get(), &CallControl::aborted, &context, [lookup] {
        if (!lookup->info)
            lookup->promise.finish();
    });
    if (!control->isAborted())
        co_await done;
    if (!lookup->info)
        co_return Error::unavailable(QStringLiteral("the call was stopped while resolving %1").arg(host));
    const QHostInfo& info = *lookup->info;
    if (info.error() != QHostInfo::NoError || info.addresses().isEmpty())
        co_return Error::unavailable(QStringLiteral("cannot resolve %1: %2").arg(host, info.errorString()));
    co_return info.addresses();
}

QCoro::Task<Result<QHostAddress>> DestinationPolicy::resolve(QUrl url, std::shared_ptr<CallControl> control) const
{
    const auto addresses = co_await addressesOf(url.host(), control);
    if (!addresses)
        co_return addresses.error();
    const auto anyNonPublic = [](const QList<QHostAddress>& list) {
        return std::any_of(list.begin(), list.end(), [](const QHostAddress& a) { return scopeOf(a) != Scope::Public; });
    };
    bool baseIsNonPublic = false;
    if (!m_base.isEmpty()) {
        if (m_base.host().compare(url.host(), Qt::CaseInsensitive) == 0) {
            baseIsNonPublic = anyNonPublic(*addresses); // the same name: no second lookup
        } else {
            const auto base = co_await addressesOf(m_base.host(), control);
            baseIsNonPublic = base && anyNonPublic(*base);
        }
    }
    const bool nonPublicAllowed = baseIsNonPublic || m_nonPublicHosts.contains(QLatin1String("*")) || listed(m_nonPublicHosts, url);
    for (const QHostAddress& a : *addresses) {
        const Scope scope = scopeOf(a);
        if (scope != Scope::Public && !nonPublicAllowed)
            co_return Error::invalid(QStringLiteral("input.url"),
                QStringLiteral("%1 resolves to %2, a %3 address; %4")
                    .arg(url.host(), a.toString(), scopeName(scope),
                        m_refusalHint.isEmpty() ? QStringLiteral("http tasks reach such addresses only on an endpoint whose own base_url is one")
                                                : m_refusalHint));
    }
    co_return addresses->constFirst();
}

} // namespace llmsched
