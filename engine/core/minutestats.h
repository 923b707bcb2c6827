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

// The two spans statistics are kept in: minutes, for good, and 10-second
// slots, for the last two hours (the Statistics view's 15-minute range).
constexpr qint64 kStatsMinuteMs = 60'000;
constexpr qint64 kStatsSlotMs = 10'000;
constexpr qint64 kStatsSlotsKeptMs = 2 * 3'600'000;

// One minute (or 10-second slot) of one model, or of one endpoint of a model
// (endpoint set): the attempts that ran on it and the outcomes they decided
// (see ModelStats). Minutes are stored in stats_minute and
// stats_minute_endpoint, slots in stats_slot.
struct MinuteStats
{
    qint64 minuteMs = 0; // start of the minute or slot
    qint64 spanMs = kStatsMinuteMs; // kStatsMinuteMs or kStatsSlotMs
    QString model;
    QString endpoint; // empty: the whole model
    StatCounters counters;
    Histogram latency; // attempt durations
    double waitSumMs = 0;
    qint64 queueDepth = 0; // at the end of the minute
};

// Which rows a statistics query returns: one per model and minute, or one per
// endpoint of a model and minute.
enum class StatsRows { Models, Endpoints };

// What a statistics query asks for: rows starting in [fromMs, toMs) of one
// model (empty: all), per model or per endpoint, of minutes or of 10-second
// slots (stepMs kStatsSlotMs; kept for kStatsSlotsKeptMs only).
struct StatsQuery
{
    StatsQuery() = default;
    StatsQuery(qint64 from, qint64 to, QString ofModel = {}, StatsRows split = StatsRows::Models, qint64 step = kStatsMinuteMs)
        : fromMs(from)
        , toMs(to)
        , model(std::move(ofModel))
        , rows(split)
        , stepMs(step)
    {
    }

    qint64 fromMs = 0;
    qint64 toMs = 0;
    QString model;
    StatsRows rows = StatsRows::Models;
    qint64 stepMs = kStatsMinuteMs;
};

} // namespace llmsched
