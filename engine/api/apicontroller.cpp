#include "apicontroller.h"

namespace llmsched {

ApiController::ApiController(ApiServer& server, Engine& engine)
    : QObject(&server)
    , m_server(server)
    , m_engine(engine)
{
}

} // namespace llmsched
