#pragma once

#include <QPromise>

#include <memory>
#include <utility>

namespace llmsched {

// How the engine thread answers a caller on another thread: the Engine facade
// hands out the promise's future, the scheduler fills it in.
template <typename T> using Reply = std::shared_ptr<QPromise<T>>;

template <typename T> Reply<T> makeReply()
{
    auto p = std::make_shared<QPromise<T>>();
    p->start();
    return p;
}

template <typename T, typename V> void resolve(const Reply<T>& reply, V&& value)
{
    reply->addResult(T(std::forward<V>(value)));
    reply->finish();
}

} // namespace llmsched
