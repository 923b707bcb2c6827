#include "threadpriority.h"

#include "logging.h"

#include <QtGlobal>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#endif

namespace llmsched {

void lowerCurrentThreadPriority(int delta)
{
#ifdef Q_OS_LINUX
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    errno = 0;
    const int current = ::getpriority(PRIO_PROCESS, tid);
    if (errno == 0 && ::setpriority(PRIO_PROCESS, tid, std::min(19, current + delta)) != 0)
        qCDebug(lcCore) << "could not lower the priority of an engine thread";
#else
    Q_UNUSED(delta);
#endif
}

} // namespace llmsched
