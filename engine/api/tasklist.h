#pragma once

#include "apicall.h"

class QObject;

namespace llmsched {

class Engine;

// GET /api/v1/tasks and GET /api/v1/dead-letters take the same query and give
// the same page; the dead letters are the task list fixed to state "dead"
// (a state= parameter is then accepted and ignored).
enum class TaskListScope : bool { AnyState, DeadLetters };

// Reads the filter from the query (answering 400 for a bad one), asks the
// engine and answers from its continuation on `context`'s thread.
void answerTaskList(QObject* context, Engine& engine, const CallPtr& c, TaskListScope scope);
// GET /api/v1/tasks/count: how many tasks the same query matches (paging ignored).
void answerTaskCount(QObject* context, Engine& engine, const CallPtr& c);

} // namespace llmsched
