#pragma once

#include "apiserver.h"

#include <QObject>

namespace llmsched {

class Engine;

// The routes of one resource and their handlers. A child of the ApiServer, so
// it lives on the API thread: the `onResult(..., this, ...)` continuations of its
// engine calls come back there, and are dropped if it is gone by then.
// Subclasses add their routes in their constructor.
class ApiController : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ApiController)

protected:
    ApiController(ApiServer& server, Engine& engine);

    void addRoute(const char* method, const QString& pattern, std::optional<Role> role, Audit audit, ApiHandler handler)
    {
        m_server.addRoute(method, pattern, role, audit, std::move(handler));
    }

    ApiServer& m_server;
    Engine& m_engine;
};

} // namespace llmsched
