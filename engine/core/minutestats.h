#pragma once

#include "histogram.h"

#include <QString>

namespace llmsched {

// What happened to a model's tasks over some span of time.
struct StatCounters
{
    qint64 submitted = 0;
    qint64 succeeded = 0;
    qint64 failed = 0; // failed attempts, retried or not
    qint64 retried = 0;
    qint64 dead = 0;
    qint64 cancelled = 0;
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    double costUsd = 0;

    void add(const StatCounters& o);
};

// One minute of one model, as stored in stats_minute.
struct MinuteStats
{
    qint64 minuteMs = 0; // start of the minute
    QString model;
    StatCounters counters;
    Histogram latency; // attempt durations
    double waitSumMs = 0;
    qint64 queueDepth = 0; // at the end of the minute
};

} // namespace llmsched
