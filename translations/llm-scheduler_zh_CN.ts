<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Text</name>
    <message>
        <source>queued</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>scheduled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>blocked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>retry wait</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>succeeded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dead</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>0 (high)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>5 (normal)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>9 (low)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>half-open</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>llmsched::Scheduler</name>
    <message>
        <source>Model %1 spent $%2 of its $%3 daily budget; its queue waits until 00:00 UTC or until the budget is raised</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Daily budget reached</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Task moved to dead letters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 on %2: %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>after %1 failures</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>after a failed health check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>after too many failures</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Endpoint %1 of model %2 stops receiving calls for %3 s %4; last error: %5</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none recorded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Endpoint circuit opened</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Endpoint recovered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Endpoint %1 of model %2 answers again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>nothing to contact: the %1 provider answers locally</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>answered in %1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store writes fail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dispatch is paused until the database accepts writes again: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>llmsched::ui::CounterStrip</name>
    <message>
        <source>Queued</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed attempts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dead</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Throughput</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tasks waiting: queued, scheduled, blocked or waiting to retry. Click to show them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calls in flight now. Click to show them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tasks that succeeded since the engine started. Click to show them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attempts that failed since the engine started (retried or dead). Click to show tasks waiting to retry.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tasks in the dead-letter queue. Click to show them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tasks finishing per second, now</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>llmsched::ui::DeadLettersView</name>
    <message>
        <source>All models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Requeue selected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requeue &amp;all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Purge…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 dead tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Requeued %n task(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Requeued %1 dead tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requeue failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>all models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Purge dead letters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete the %1 dead tasks of %2 for good? Their input, output and logs are removed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Purged %1 dead tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Purge failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>llmsched::ui::ImportDialog</name>
    <message>
        <source>Cannot read %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 imported · %2 rejected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Importing %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lines that could not be imported are listed here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Imported %1 tasks, %2 duplicates skipped, %3 lines rejected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopped. </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import stopped: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>… and %1 more</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>llmsched::ui::LogsView</name>
    <message>
        <source>Debug and above</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Info and above</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warnings and errors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Errors only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter lines</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scroll to new lines as they arrive</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No log lines yet.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>llmsched::ui::MainWindow</name>
    <message>
        <source>LLM Scheduler</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Statistics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dead letters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Logs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (Ctrl+%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>REST: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>REST API and OpenAI-compatible endpoint (%1/v1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>REST: off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>REST: not serving</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Submit task…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Import JSONL…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Se&amp;ttings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Pause all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Demo feed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep feeding the simulated demo model with tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Engine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Queue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Statistics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Dead letters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Logs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;table&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+1…5&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Queue, Models, Statistics, Dead letters, Logs&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+N&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Submit a task&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+I&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Import tasks from JSONL&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+F&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Search the queue&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Enter&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Open the selected task&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Delete&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Cancel the selected tasks&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+R&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Retry / requeue the selected tasks&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+E&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Export the selected tasks&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;F5&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Refresh the queue&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+Shift+P&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Pause or resume all dispatching&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About LLM Scheduler</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About LLM Scheduler</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;h3&gt;LLM Scheduler %1&lt;/h3&gt;&lt;p&gt;Queues, schedules and runs large volumes of LLM calls within each endpoint&apos;s limits.&lt;/p&gt;&lt;p&gt;Database: %2&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Main</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store error: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running · %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Resume all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dead letters growing</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n task(s) moved to the dead-letter queue</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Dispatching paused; running calls finish</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dispatching resumed</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Submitted %n task(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Import tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON Lines (*.jsonl *.ndjson *.json);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Imported %1 tasks, %2 lines rejected</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>llmsched::ui::ModelEditorDialog</name>
    <message>
        <source>Edit model “%1”</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>General</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Endpoints</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retries and cost</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Test connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Asks every endpoint whether it answers with this URL and key, without saving</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. gpt-4o-mini or local/llama3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Used in the API and in metrics: letters, digits and . _ : / -</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>optional</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Round robin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weighted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Least busy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lowest latency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Session affinity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Each endpoint in turn</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In proportion to each endpoint&apos;s weight</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The fewest calls in flight relative to the endpoint&apos;s limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The endpoint with the lowest recent latency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The same endpoint for the same session key while it can take the call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calls of this model in flight at most, over all its endpoints</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unfinished tasks the queue accepts before refusing submits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How long one call may take before it is abandoned and retried</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Description:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Strategy:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Concurrency:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Queue capacity:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Timeout per call:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>same as the model&apos;s name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model name sent upstream, e.g. gpt-4o-mini or llama3.1:8b</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>paste a new key to store it in the keychain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none, or env:NAME, file:/path, keychain:NAME</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where the engine reads the key when a call needs it; the key itself is never shown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the model&apos;s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calls in flight at most on this endpoint; the engine lowers it on 429/503</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unlimited</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Na&amp;me:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Provider:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Base URL:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Upstream model:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>API &amp;key:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key &amp;reference:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max &amp;concurrency:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests per &amp;minute:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>T&amp;okens per minute:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Weight:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry policy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attempts per task, the first included, before it goes to the dead letters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Each further retry waits this many times longer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delays are shortened by a random share up to this, so retries do not arrive together</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max &amp;attempts:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;First delay:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Backoff factor:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max &amp;delay:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Jitter:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cost</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no budget</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dispatch stops for the day (UTC) once the model has spent this much</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Input per 1M tokens:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Output per 1M tokens:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Daily b&amp;udget:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. https://api.anthropic.com</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>optional: tasks may give absolute URLs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not used: answers are simulated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This endpoint&apos;s share of the calls, relative to the others</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Used by the weighted strategy only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Simulated endpoints need no key.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The key goes to the OS keychain as %1 when you save or test; it is never shown again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The engine reads the key from %1 when a call needs it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No key: for servers that need none.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the base URL of the server, e.g. http://127.0.0.1:8000/v1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“%1” is not a valid URL (%2).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The base URL must start with http:// or https://, e.g. http://127.0.0.1:8000/v1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The base URL has no host name, e.g. http://127.0.0.1:8000/v1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give the model a name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A model name starts with a letter or digit and may contain letters, digits and . _ : / - (at most 128 characters).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A model named “%1” already exists; choose another name or edit that model.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add at least one endpoint: the model&apos;s tasks need a server to go to.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Every endpoint needs a name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Two endpoints are named “%1”; give each its own name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Endpoint “%1”: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Endpoint “%1”: the key reference %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Testing the connection…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Storing the key of “%1” in the OS keychain…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The key of “%1” could not be stored in the OS keychain: %2 Enter a reference such as env:OPENAI_API_KEY or file:/path under Key reference instead, and clear the key field.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The engine did not take the model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The test did not run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No endpoint to test.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>llmsched::ui::ModelTreeModel</name>
    <message>
        <source>%1 / %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OpenAI-compatible</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Anthropic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HTTP</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Simulated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>budget exhausted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>paused (all)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>running</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n open</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n half-open</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>unhealthy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cooling down</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>healthy</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n endpoint(s), strategy %1</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Today&apos;s spend reached the daily budget: queued work waits until 00:00 UTC or a higher budget.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paused: queued work waits until the model is resumed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 calls running; at most %2 at once</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queued or waiting: %1 of at most %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recent tasks: p50 %1, p95 %2, p99 %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Today (UTC): %1
Daily budget: %2
Since start: %3 (%4 prompt and %5 completion tokens)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 calls, %2 failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The endpoint asked to wait (Retry-After) until %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last health check: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open: no calls until %1, then one probe.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Half-open: a probe call decides whether it closes again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Closed: calls flow normally.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 calls running; adaptive limit %2 (configured maximum %3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests started in the last minute, of %1 allowed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests started in the last minute (no limit)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens used or reserved in the last minute, of %1 allowed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens used or reserved in the last minute (no limit)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1
%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calls running now, of the limit (models: concurrency; endpoints: adaptive limit)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tasks waiting for a free slot, including retries waiting out their delay</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tasks finished per second, recently</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Models: 95th percentile of recent tasks; endpoints: average of recent calls</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests per minute: used / limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens per minute: used / limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Spent today (UTC) / daily budget</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Circuit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In flight</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queued</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tasks/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>RPM</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>TPM</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cost today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Provider</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Base URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last error</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>llmsched::ui::ModelsView</name>
    <message>
        <source>&amp;Add model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a model and its endpoints (Ctrl+Shift+N)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit the selected model (Enter or double-click)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete the selected model (Del)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No models yet. A model is a queue with one or more endpoints (servers) to send its tasks to.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resume dispatching the selected model&apos;s tasks (Ctrl+P)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop dispatching the selected model&apos;s tasks; running calls finish (Ctrl+P)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model “%1” no longer exists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not pause “%1”: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not resume “%1”: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete the model “%1”?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Its settings and endpoints are removed. A model with unfinished tasks cannot be deleted: cancel them or let them finish first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not delete “%1”: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expand all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Collapse all</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>llmsched::ui::QueueView</name>
    <message>
        <source>All states</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show tasks in this state</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Any priority</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Priority %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search ID, error or input (Ctrl+F)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow new tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>While the list is scrolled to the top and nothing is selected, show new tasks as they arrive</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Details…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Cancel tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Retry tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Export selected…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;fresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change &amp;priority</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tasks can be sorted by ID, created time, model or state</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not read tasks: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n task(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>loading…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 new · show (F5)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n failed: %1</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cancelled %n task(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %n task(s) again</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Set priority %1 on %n task(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Export tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON Lines (*.jsonl);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Exported %n task(s) to %1; %2 could not be read</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n task(s) to %1</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>llmsched::ui::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data directory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Light</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dark</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Feed the simulated demo model with tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> tasks/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notify about failures and dead-letter growth</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The data directory and language take effect after a restart.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Data directory:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Demo:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Demo &amp;rate:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notifications:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>General</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Serve the REST API and the OpenAI-compatible endpoint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not serving now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Serving now at %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;New token…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Revoke</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Address:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Access tokens (clients send them as &quot;Authorization: Bearer …&quot;):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>REST API</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not an IP address (for example 127.0.0.1 or 0.0.0.0).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>never</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name (who or what uses it):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>viewer: read only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>operator: submit and manage tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>admin: everything, including models and tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Role:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New token %1 — copy it now, it is not shown again:&lt;br&gt;&lt;b&gt;%2&lt;/b&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoked %1.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>llmsched::ui::StatisticsView</name>
    <message>
        <source>%1/min</source>
        <translation>%1/分钟</translation>
    </message>
    <message>
        <source>Range:</source>
        <translation>时间范围：</translation>
    </message>
    <message>
        <source>15 min</source>
        <translation>15 分钟</translation>
    </message>
    <message>
        <source>1 h</source>
        <translation>1 小时</translation>
    </message>
    <message>
        <source>24 h</source>
        <translation>24 小时</translation>
    </message>
    <message>
        <source>7 days</source>
        <translation>7 天</translation>
    </message>
    <message>
        <source>The last 15 minutes, per minute</source>
        <translation>最近 15 分钟，按分钟</translation>
    </message>
    <message>
        <source>The last hour, per minute</source>
        <translation>最近 1 小时，按分钟</translation>
    </message>
    <message>
        <source>The last 24 hours, per 5 minutes</source>
        <translation>最近 24 小时，按 5 分钟</translation>
    </message>
    <message>
        <source>The last 7 days, per hour</source>
        <translation>最近 7 天，按小时</translation>
    </message>
    <message>
        <source>&amp;Model:</source>
        <translation>模型(&amp;M)：</translation>
    </message>
    <message>
        <source>All models</source>
        <translation>全部模型</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>Failed attempts</source>
        <translation>失败尝试</translation>
    </message>
    <message>
        <source>Dead</source>
        <translation>死信</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>令牌数</translation>
    </message>
    <message>
        <source>Cost</source>
        <translation>费用</translation>
    </message>
    <message>
        <source>Mean throughput</source>
        <translation>平均吞吐量</translation>
    </message>
    <message>
        <source>Attempts that failed, whether retried or not</source>
        <translation>失败的尝试（无论是否重试）</translation>
    </message>
    <message>
        <source>Finished tasks over the whole range</source>
        <translation>整个时间范围内完成的任务</translation>
    </message>
    <message>
        <source>failed, retried</source>
        <translation>失败后重试</translation>
    </message>
    <message>
        <source>p50</source>
        <translation>p50</translation>
    </message>
    <message>
        <source>p95</source>
        <translation>p95</translation>
    </message>
    <message>
        <source>p99</source>
        <translation>p99</translation>
    </message>
    <message>
        <source>waiting tasks</source>
        <translation>等待中的任务</translation>
    </message>
    <message>
        <source>prompt tokens</source>
        <translation>提示令牌</translation>
    </message>
    <message>
        <source>completion tokens</source>
        <translation>补全令牌</translation>
    </message>
    <message>
        <source>cost (right axis)</source>
        <translation>费用（右轴）</translation>
    </message>
    <message>
        <source>Queue depth (tasks waiting)</source>
        <translation>队列深度（等待中的任务）</translation>
    </message>
    <message>
        <source>Statistics could not be read: %1</source>
        <translation>无法读取统计数据：%1</translation>
    </message>
    <message>
        <source>Loading statistics…</source>
        <translation>正在加载统计数据…</translation>
    </message>
    <message>
        <source>No data yet for this range</source>
        <translation>此时间范围内尚无数据</translation>
    </message>
    <message>
        <source>per minute</source>
        <translation>每分钟</translation>
    </message>
    <message>
        <source>per 5 minutes</source>
        <translation>每 5 分钟</translation>
    </message>
    <message>
        <source>per hour</source>
        <translation>每小时</translation>
    </message>
    <message>
        <source>Tasks by outcome, %1</source>
        <translation>按结果统计的任务，%1</translation>
    </message>
    <message>
        <source>Attempt latency (s)</source>
        <translation>尝试延迟（秒）</translation>
    </message>
    <message>
        <source>Attempt latency (ms)</source>
        <translation>尝试延迟（毫秒）</translation>
    </message>
    <message>
        <source>Tokens and cost, %1</source>
        <translation>令牌与费用，%1</translation>
    </message>
    <message>
        <source>Prompt %1, completion %2</source>
        <translation>提示 %1，补全 %2</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::SubmitDialog</name>
    <message>
        <source>Submit task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>0 is the most urgent, 9 the least</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Submit this many identical tasks (load tests, demos)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>comma-separated, optional</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Raw JSON input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give the task&apos;s input object as JSON instead of a prompt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Model:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Kind:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Priority:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Copies:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Tags:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Submit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The input is not valid JSON: %1 (at character %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The input must be a JSON object</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the URL to call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter a prompt</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>llmsched::ui::TaskDetailDialog</name>
    <message>
        <source>Task %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Level</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Event</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not load the task: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; · model &lt;b&gt;%2&lt;/b&gt; · priority %3 · attempt %4 of %5</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>started %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>took %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens: %1 prompt + %2 completion · cost %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Endpoint: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tags: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(no output yet)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>llmsched::ui::TaskTableModel</name>
    <message>
        <source>ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Priority</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Duration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cost</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sort by ID, created time, model or state</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
