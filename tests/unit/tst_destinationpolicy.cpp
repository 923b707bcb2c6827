// DestinationPolicy: which addresses count as public, and which origins an
// http task of an endpoint may call (SSRF defence).

#include "providers/destinationpolicy.h"

#include "core/modelconfig.h"

#include <QtTest>

using namespace llmsched;
using Scope = DestinationPolicy::Scope;

class TestDestinationPolicy : public QObject
{
    Q_OBJECT

private slots:
    void scopes_data();
    void scopes();
    void origins_data();
    void origins();
    void allowedHostEntries_data();
    void allowedHostEntries();
};

void TestDestinationPolicy::scopes_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<Scope>("scope");
    const QList<QPair<const char*, Scope>> rows = {
        { "8.8.8.8", Scope::Public },
        { "203.0.114.10", Scope::Public },
        { "127.0.0.1", Scope::Loopback },
        { "127.255.0.9", Scope::Loopback },
        { "0.0.0.0", Scope::Reserved },
        { "10.0.0.1", Scope::Private },
        { "172.16.0.1", Scope::Private },
        { "172.31.255.255", Scope::Private },
        { "172.32.0.1", Scope::Public },
        { "192.168.1.1", Scope::Private },
        { "100.64.0.1", Scope::Private },
        { "100.100.100.200", Scope::Private },
        { "100.128.0.1", Scope::Public },
        { "169.254.169.254", Scope::LinkLocal },
        { "224.0.0.1", Scope::Reserved },
        { "255.255.255.255", Scope::Reserved },
        { "198.18.0.1", Scope::Reserved },
        { "::1", Scope::Loopback },
        { "::", Scope::Reserved },
        { "::ffff:127.0.0.1", Scope::Loopback },
        { "::ffff:10.0.0.1", Scope::Private },
        { "::ffff:8.8.8.8", Scope::Public },
        { "64:ff9b::a9fe:a9fe", Scope::LinkLocal }, // NAT64 of 169.254.169.254
        { "2002:7f00:1::", Scope::Loopback }, // 6to4 of 127.0.0.1
        { "fd00:ec2::254", Scope::Private },
        { "fe80::1", Scope::LinkLocal },
        { "fec0::1", Scope::Private },
        { "ff02::1", Scope::Reserved },
        { "2001:db8::1", Scope::Reserved },
        { "2606:4700:4700::1111", Scope::Public },
    };
    for (const auto& [address, scope] : rows)
        QTest::newRow(address) << QString::fromLatin1(address) << scope;
}

void TestDestinationPolicy::scopes()
{
    QFETCH(QString, address);
    QFETCH(Scope, scope);
    const QHostAddress a(address);
    QVERIFY(!a.isNull());
    QCOMPARE(DestinationPolicy::scopeOf(a), scope);
}

void TestDestinationPolicy::origins_data()
{
    QTest::addColumn<QString>("base");
    QTest::addColumn<QStringList>("allowed");
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("ok");
    const QString base = QStringLiteral("https://api.example.com");
    QTest::newRow("own origin") << base << QStringList() << QStringLiteral("https://api.example.com/v1/x") << true;
    QTest::newRow("own origin, explicit port") << base << QStringList() << QStringLiteral("https://api.example.com:443/x") << true;
    QTest::newRow("other port") << base << QStringList() << QStringLiteral("https://api.example.com:8443/x") << false;
    QTest::newRow("other scheme") << base << QStringList() << QStringLiteral("http://api.example.com/x") << false;
    QTest::newRow("other host") << base << QStringList() << QStringLiteral("https://evil.example.net/x") << false;
    QTest::newRow("host allowlisted") << base << QStringList { QStringLiteral("hooks.example.org") } << QStringLiteral("https://hooks.example.org/x")
                                      << true;
    QTest::newRow("host allowlisted any port") << base << QStringList { QStringLiteral("hooks.example.org") }
                                               << QStringLiteral("http://hooks.example.org:9000/x") << true;
    QTest::newRow("host:port allowlisted") << base << QStringList { QStringLiteral("hooks.example.org:8443") }
                                           << QStringLiteral("https://hooks.example.org:8443/x") << true;
    QTest::newRow("host:port, other port") << base << QStringList { QStringLiteral("hooks.example.org:8443") }
                                           << QStringLiteral("https://hooks.example.org/x") << false;
    QTest::newRow("wildcard") << base << QStringList { QStringLiteral("*.example.org") } << QStringLiteral("https://a.b.example.org/x") << true;
    QTest::newRow("wildcard is not the apex") << base << QStringList { QStringLiteral("*.example.org") } << QStringLiteral("https://example.org/x")
                                              << false;
    QTest::newRow("suffix is not a subdomain") << base << QStringList { QStringLiteral("*.example.org") }
                                               << QStringLiteral("https://evilexample.org/x") << false;
    QTest::newRow("case") << base << QStringList { QStringLiteral("Hooks.Example.ORG") } << QStringLiteral("https://hooks.example.org/x") << true;
    QTest::newRow("no base, not listed") << QString() << QStringList() << QStringLiteral("https://api.example.com/x") << false;
    QTest::newRow("no base, listed") << QString() << QStringList { QStringLiteral("api.example.com") } << QStringLiteral("https://api.example.com/x")
                                     << true;
}

void TestDestinationPolicy::origins()
{
    QFETCH(QString, base);
    QFETCH(QStringList, allowed);
    QFETCH(QString, url);
    QFETCH(bool, ok);
    const DestinationPolicy policy(QUrl(base), allowed);
    const auto problem = policy.checkOrigin(QUrl(url));
    QCOMPARE(!problem.has_value(), ok);
    if (problem)
        QVERIFY2(problem->contains(QStringLiteral("allowed_hosts")), qPrintable(*problem));
}

void TestDestinationPolicy::allowedHostEntries_data()
{
    QTest::addColumn<QString>("entry");
    QTest::addColumn<bool>("ok");
    QTest::newRow("host") << "api.example.com" << true;
    QTest::newRow("host:port") << "api.example.com:8443" << true;
    QTest::newRow("wildcard") << "*.example.com" << true;
    QTest::newRow("ipv4") << "10.0.0.5" << true;
    QTest::newRow("ipv6") << "[fd00::1]:8000" << true;
    QTest::newRow("scheme") << "https://api.example.com" << false;
    QTest::newRow("path") << "api.example.com/v1" << false;
    QTest::newRow("userinfo") << "user@api.example.com" << false;
    QTest::newRow("empty") << "" << false;
    QTest::newRow("space") << "api example.com" << false;
}

void TestDestinationPolicy::allowedHostEntries()
{
    QFETCH(QString, entry);
    QFETCH(bool, ok);
    QCOMPARE(!checkAllowedHost(entry).has_value(), ok);
}

QTEST_MAIN(TestDestinationPolicy)
#include "tst_destinationpolicy.moc"
