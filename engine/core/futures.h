#pragma once

#include <QFuture>
#include <QFutureWatcher>
#include <QObject>

#include <utility>

namespace llmsched {

// Calls fn(result) on `context`'s thread once `future` has its result, unless
// `context` is gone by then: a dialog closed, or a REST server stopped, while
// its query runs. Use it instead of QFuture::then(context, ...), which in Qt
// 6.4 asserts when the context dies before the future finishes. The watcher
// is a child of `context`, so it dies with it and nothing is called.
template <typename T, typename F> void onResult(QFuture<T> future, QObject* context, F&& fn)
{
    auto* watcher = new QFutureWatcher<T>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context, [watcher, fn = std::forward<F>(fn)]() mutable {
        watcher->deleteLater();
        if (watcher->future().resultCount() > 0)
            fn(watcher->future().result());
    });
    watcher->setFuture(std::move(future));
}

} // namespace llmsched
