#include "logging.h"

Q_LOGGING_CATEGORY(lcCore, "llmsched.core", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStore, "llmsched.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSched, "llmsched.sched", QtInfoMsg)
Q_LOGGING_CATEGORY(lcProviders, "llmsched.providers", QtInfoMsg)
Q_LOGGING_CATEGORY(lcApi, "llmsched.api", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStats, "llmsched.stats", QtInfoMsg)
