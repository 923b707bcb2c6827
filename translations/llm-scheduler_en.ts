<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>llmsched::ui::BatchesView</name>
    <message numerus="yes">
        <source>%n batch(es), %1 running</source>
        <translation>
            <numerusform>%n batch, %1 running</numerusform>
            <numerusform>%n batches, %1 running</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>llmsched::ui::DeadLettersView</name>
    <message numerus="yes">
        <source>%Ln dead task(s)</source>
        <translation>
            <numerusform>%Ln dead task</numerusform>
            <numerusform>%Ln dead tasks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Requeued %n task(s)</source>
        <translation>
            <numerusform>Requeued %n task</numerusform>
            <numerusform>Requeued %n tasks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Requeued %Ln dead task(s)</source>
        <translation>
            <numerusform>Requeued %Ln dead task</numerusform>
            <numerusform>Requeued %Ln dead tasks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Purged %Ln dead task(s)</source>
        <translation>
            <numerusform>Purged %Ln dead task</numerusform>
            <numerusform>Purged %Ln dead tasks</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>llmsched::ui::ImportDialog</name>
    <message numerus="yes">
        <source>%Ln task(s) in %1.</source>
        <translation>
            <numerusform>%Ln task in %1.</numerusform>
            <numerusform>%Ln tasks in %1.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Imported %Ln task(s)</source>
        <translation>
            <numerusform>Imported %Ln task</numerusform>
            <numerusform>Imported %Ln tasks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln duplicate(s) skipped</source>
        <translation>
            <numerusform>%Ln duplicate skipped</numerusform>
            <numerusform>%Ln duplicates skipped</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln line(s) rejected.</source>
        <translation>
            <numerusform>%Ln line rejected.</numerusform>
            <numerusform>%Ln lines rejected.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Saved %Ln rejected line(s) to %1.</source>
        <translation>
            <numerusform>Saved %Ln rejected line to %1.</numerusform>
            <numerusform>Saved %Ln rejected lines to %1.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>llmsched::ui::LogsView</name>
    <message numerus="yes">
        <source>succeeded after %Ln attempt(s)</source>
        <translation>
            <numerusform>succeeded after %Ln attempt</numerusform>
            <numerusform>succeeded after %Ln attempts</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>dead after %Ln attempt(s): %1</source>
        <translation>
            <numerusform>dead after %Ln attempt: %1</numerusform>
            <numerusform>dead after %Ln attempts: %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>llmsched::ui::MainWindow</name>
    <message numerus="yes">
        <source>%n task(s) moved to the dead-letter queue</source>
        <translation>
            <numerusform>%n task moved to the dead-letter queue</numerusform>
            <numerusform>%n tasks moved to the dead-letter queue</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Submitted %n task(s)</source>
        <translation>
            <numerusform>Submitted %n task</numerusform>
            <numerusform>Submitted %n tasks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Imported %Ln task(s)</source>
        <translation>
            <numerusform>Imported %Ln task</numerusform>
            <numerusform>Imported %Ln tasks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln line(s) rejected</source>
        <translation>
            <numerusform>%Ln line rejected</numerusform>
            <numerusform>%Ln lines rejected</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>llmsched::ui::ModelTreeModel</name>
    <message numerus="yes">
        <source>%n open</source>
        <translation>
            <numerusform>%n open</numerusform>
            <numerusform>%n open</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n half-open</source>
        <translation>
            <numerusform>%n half-open</numerusform>
            <numerusform>%n half-open</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n endpoint(s), strategy %1</source>
        <translation>
            <numerusform>%n endpoint, strategy %1</numerusform>
            <numerusform>%n endpoints, strategy %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>llmsched::ui::NodesView</name>
    <message numerus="yes">
        <source>%n node(s), %1 online</source>
        <translation>
            <numerusform>%n node, %1 online</numerusform>
            <numerusform>%n nodes, %1 online</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>llmsched::ui::QueueView</name>
    <message numerus="yes">
        <source>%n task(s)</source>
        <translation>
            <numerusform>%n task</numerusform>
            <numerusform>%n tasks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n failed: %1</source>
        <translation>
            <numerusform>%n failed: %1</numerusform>
            <numerusform>%n failed: %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cancelled %n task(s)</source>
        <translation>
            <numerusform>Cancelled %n task</numerusform>
            <numerusform>Cancelled %n tasks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %n task(s) again</source>
        <translation>
            <numerusform>Queued %n task again</numerusform>
            <numerusform>Queued %n tasks again</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Set priority %1 on %n task(s)</source>
        <translation>
            <numerusform>Set priority %1 on %n task</numerusform>
            <numerusform>Set priority %1 on %n tasks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n task(s) to %1; %2 could not be read</source>
        <translation>
            <numerusform>Exported %n task to %1; %2 could not be read</numerusform>
            <numerusform>Exported %n tasks to %1; %2 could not be read</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n task(s) to %1</source>
        <translation>
            <numerusform>Exported %n task to %1</numerusform>
            <numerusform>Exported %n tasks to %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>llmsched::ui::SchedulesPanel</name>
    <message numerus="yes">
        <source>workflow %1 (%n task(s))</source>
        <translation>
            <numerusform>workflow %1 (%n task)</numerusform>
            <numerusform>workflow %1 (%n tasks)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n schedule(s)</source>
        <translation>
            <numerusform>%n schedule</numerusform>
            <numerusform>%n schedules</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>llmsched::ui::TemplatesPanel</name>
    <message numerus="yes">
        <source>… and %n more</source>
        <translation>
            <numerusform>… and %n more</numerusform>
            <numerusform>… and %n more</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Nothing was submitted: %n row(s) are wrong.</source>
        <translation>
            <numerusform>Nothing was submitted: %n row is wrong.</numerusform>
            <numerusform>Nothing was submitted: %n rows are wrong.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Submitted %n row(s) of %1.</source>
        <translation>
            <numerusform>Submitted %n row of %1.</numerusform>
            <numerusform>Submitted %n rows of %1.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n row(s) were wrong.</source>
        <translation>
            <numerusform>%n row was wrong.</numerusform>
            <numerusform>%n rows were wrong.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>llmsched::ui::WebhooksPanel</name>
    <message numerus="yes">
        <source>%n webhook(s)</source>
        <translation>
            <numerusform>%n webhook</numerusform>
            <numerusform>%n webhooks</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>llmsched::ui::WorkflowsView</name>
    <message numerus="yes">
        <source>%n workflow(s)</source>
        <translation>
            <numerusform>%n workflow</numerusform>
            <numerusform>%n workflows</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n running</source>
        <translation>
            <numerusform>%n running</numerusform>
            <numerusform>%n running</numerusform>
        </translation>
    </message>
</context>
</TS>
