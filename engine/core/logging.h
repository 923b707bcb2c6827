#pragma once

#include <QLoggingCategory>

// One category per part, so users can turn on e.g.
// QT_LOGGING_RULES="llmsched.sched.debug=true".
Q_DECLARE_LOGGING_CATEGORY(lcCore)
Q_DECLARE_LOGGING_CATEGORY(lcStore)
Q_DECLARE_LOGGING_CATEGORY(lcSched)
Q_DECLARE_LOGGING_CATEGORY(lcProviders)
Q_DECLARE_LOGGING_CATEGORY(lcApi)
Q_DECLARE_LOGGING_CATEGORY(lcStats)
