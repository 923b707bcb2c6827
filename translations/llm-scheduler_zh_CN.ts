<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Text</name>
    <message>
        <source>queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>scheduled</source>
        <translation>已计划</translation>
    </message>
    <message>
        <source>blocked</source>
        <translation>已阻塞</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>retry wait</source>
        <translation>等待重试</translation>
    </message>
    <message>
        <source>succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>dead</source>
        <translation>死信</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>%1/s</source>
        <translation>%1/秒</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 分 %2 秒</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>闭合</translation>
    </message>
    <message>
        <source>open</source>
        <translation>断开</translation>
    </message>
    <message>
        <source>half-open</source>
        <translation>半开</translation>
    </message>
    <message>
        <source>%1 (high)</source>
        <translation>%1（高）</translation>
    </message>
    <message>
        <source>%1 (medium)</source>
        <translation>%1（中）</translation>
    </message>
    <message>
        <source>%1 (low)</source>
        <translation>%1（低）</translation>
    </message>
</context>
<context>
    <name>llmsched::EndpointSupervisor</name>
    <message>
        <source>after %1 failures</source>
        <translation>连续失败 %1 次后</translation>
    </message>
    <message>
        <source>after a failed health check</source>
        <translation>健康检查失败后</translation>
    </message>
    <message>
        <source>after too many failures</source>
        <translation>失败次数过多后</translation>
    </message>
    <message>
        <source>Endpoint %1 of model %2 stops receiving calls for %3 s %4; last error: %5</source>
        <translation>模型 %2 的端点 %1 在%4停止接收调用 %3 秒；最近错误：%5</translation>
    </message>
    <message>
        <source>none recorded</source>
        <translation>无记录</translation>
    </message>
    <message>
        <source>Endpoint circuit opened</source>
        <translation>端点熔断器已断开</translation>
    </message>
    <message>
        <source>Endpoint recovered</source>
        <translation>端点已恢复</translation>
    </message>
    <message>
        <source>Endpoint %1 of model %2 answers again</source>
        <translation>模型 %2 的端点 %1 已恢复响应</translation>
    </message>
    <message>
        <source>nothing to contact: the %1 provider answers locally</source>
        <translation>无需连接：%1 提供商在本地应答</translation>
    </message>
    <message>
        <source>answered in %1 ms</source>
        <translation>响应用时 %1 ms</translation>
    </message>
</context>
<context>
    <name>llmsched::Scheduler</name>
    <message>
        <source>Model %1 spent $%2 of its $%3 daily budget; its queue waits until 00:00 UTC or until the budget is raised</source>
        <translation>模型 %1 已花费每日预算 $%3 中的 $%2；其队列将等待至 UTC 00:00 或预算调高之后</translation>
    </message>
    <message>
        <source>Daily budget reached</source>
        <translation>已达每日预算</translation>
    </message>
    <message>
        <source>Task moved to dead letters</source>
        <translation>任务已移入死信队列</translation>
    </message>
    <message>
        <source>%1 on %2: %3</source>
        <translation>%1（模型 %2）：%3</translation>
    </message>
    <message>
        <source>Store writes fail</source>
        <translation>存储写入失败</translation>
    </message>
    <message>
        <source>Dispatch is paused until the database accepts writes again: %1</source>
        <translation>调度已暂停，直到数据库恢复写入：%1</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::BatchesView</name>
    <message>
        <source>validating</source>
        <translation>验证中</translation>
    </message>
    <message>
        <source>expiring</source>
        <translation>即将过期</translation>
    </message>
    <message>
        <source>in progress</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>finalizing</source>
        <translation>收尾中</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>cancelling</source>
        <translation>取消中</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Cancel batch</source>
        <translation>取消批次(&amp;C)</translation>
    </message>
    <message>
        <source>Download &amp;output…</source>
        <translation>下载输出(&amp;O)…</translation>
    </message>
    <message>
        <source>Download &amp;errors…</source>
        <translation>下载错误(&amp;E)…</translation>
    </message>
    <message>
        <source>Show &amp;lines in Queue</source>
        <translation>在队列中显示各行(&amp;L)</translation>
    </message>
    <message>
        <source>Cancel batch</source>
        <translation>取消批次</translation>
    </message>
    <message>
        <source>Cancel %1? Its lines that have not run are cancelled; the ones already done stay in its output.</source>
        <translation>取消 %1？尚未运行的行将被取消；已完成的行保留在其输出中。</translation>
    </message>
    <message>
        <source>Batch</source>
        <translation>批次</translation>
    </message>
    <message>
        <source>API</source>
        <translation>API</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>总数</translation>
    </message>
    <message>
        <source>ETA</source>
        <translation>预计剩余</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>The batches cannot be read.</source>
        <translation>无法读取批次。</translation>
    </message>
    <message>
        <source>Anthropic</source>
        <translation>Anthropic</translation>
    </message>
    <message>
        <source>OpenAI</source>
        <translation>OpenAI</translation>
    </message>
    <message>
        <source>Line %1: %2</source>
        <translation>第 %1 行：%2</translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>, %1 cancelled</source>
        <translation>，%1 已取消</translation>
    </message>
    <message>
        <source>, %1 expired</source>
        <translation>，%1 已过期</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>No batch yet.</source>
        <translation>暂无批次。</translation>
    </message>
    <message numerus="yes">
        <source>%n batch(es), %1 running</source>
        <translation>
            <numerusform>%n 个批次，%1 个运行中</numerusform>
        </translation>
    </message>
    <message>
        <source>No batch yet: send one with POST /v1/batches (OpenAI) or POST /v1/messages/batches (Anthropic).</source>
        <translation>暂无批次：可通过 POST /v1/batches（OpenAI）或 POST /v1/messages/batches（Anthropic）提交。</translation>
    </message>
    <message>
        <source>Save the error file</source>
        <translation>保存错误文件</translation>
    </message>
    <message>
        <source>Save the output file</source>
        <translation>保存输出文件</translation>
    </message>
    <message>
        <source>JSON Lines (*.jsonl);;All files (*)</source>
        <translation>JSON Lines (*.jsonl);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Save file</source>
        <translation>保存文件</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>line %1: %2</source>
        <translation>第 %1 行：%2</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::ConnectDialog</name>
    <message>
        <source>Connect to server</source>
        <translation>连接到服务器</translation>
    </message>
    <message>
        <source>e.g. Production</source>
        <translation>例如：生产环境</translation>
    </message>
    <message>
        <source>An API token of the server (llm-schedulerd token create); kept in the system keychain, never in the settings file</source>
        <translation>该服务器的 API 令牌（llm-schedulerd token create）；保存在系统钥匙串中，从不写入设置文件</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>&amp;URL:</source>
        <translation>地址(&amp;U)：</translation>
    </message>
    <message>
        <source>&amp;Token:</source>
        <translation>令牌(&amp;T)：</translation>
    </message>
    <message>
        <source>&amp;Add server</source>
        <translation>添加服务器(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>移除(&amp;R)</translation>
    </message>
    <message>
        <source>T&amp;est</source>
        <translation>测试(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation>连接(&amp;C)</translation>
    </message>
    <message>
        <source>This computer (embedded)</source>
        <translation>本机（内嵌引擎）</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>The engine runs inside this window, on this computer&apos;s data directory.</source>
        <translation>引擎在本窗口内运行，使用本机的数据目录。</translation>
    </message>
    <message>
        <source>Stored in the keychain; type to replace it</source>
        <translation>已保存在钥匙串中；输入新令牌可替换</translation>
    </message>
    <message>
        <source>New server</source>
        <translation>新服务器</translation>
    </message>
    <message>
        <source>This computer&apos;s service</source>
        <translation>本机服务</translation>
    </message>
    <message>
        <source>The URL must be an http:// or https:// address, such as %1.</source>
        <translation>地址必须是 http:// 或 https:// 开头，例如 %1。</translation>
    </message>
    <message>
        <source>Asking %1…</source>
        <translation>正在询问 %1…</translation>
    </message>
    <message>
        <source>Connected: llm-schedulerd %1 on node %2.</source>
        <translation>已连接：llm-schedulerd %1，节点 %2。</translation>
    </message>
    <message>
        <source>The server answers, but the token %1.</source>
        <translation>服务器有应答，但令牌%1。</translation>
    </message>
    <message>
        <source>No llm-schedulerd answers there: %1</source>
        <translation>该地址没有 llm-schedulerd 应答：%1</translation>
    </message>
    <message>
        <source>The keychain did not keep the token (%1); it is used for this session only.</source>
        <translation>钥匙串未能保存令牌（%1）；令牌仅在本次会话中使用。</translation>
    </message>
    <message>
        <source>Paste an API token (llms_…)</source>
        <translation>粘贴 API 令牌（llms_…）</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::CounterStrip</name>
    <message>
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>运行中</translation>
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
        <source>Throughput</source>
        <translation>吞吐量</translation>
    </message>
    <message>
        <source>Calls in flight now. Click to show them.</source>
        <translation>当前进行中的调用。点击以显示。</translation>
    </message>
    <message>
        <source>Attempts that failed since the engine started (retried or dead). Click to show tasks waiting to retry.</source>
        <translation>引擎启动以来失败的尝试（已重试或已进入死信）。点击以显示等待重试的任务。</translation>
    </message>
    <message>
        <source>Tasks in the dead-letter queue. Click to show them.</source>
        <translation>死信队列中的任务。点击以显示。</translation>
    </message>
    <message>
        <source>Tasks finishing per second, now</source>
        <translation>当前每秒完成的任务数</translation>
    </message>
    <message>
        <source>Scheduled</source>
        <translation>已计划</translation>
    </message>
    <message>
        <source>Retry wait</source>
        <translation>等待重试</translation>
    </message>
    <message>
        <source>Tasks ready to run now, and tasks waiting for the tasks they depend on. Click to show the ready ones.</source>
        <translation>可立即运行的任务，以及等待其依赖任务的任务。点击以显示可运行的任务。</translation>
    </message>
    <message>
        <source>Tasks submitted to run later (run_at). Click to show them.</source>
        <translation>计划稍后运行的任务（run_at）。点击以显示。</translation>
    </message>
    <message>
        <source>Tasks waiting to be tried again after a failed attempt. Click to show them.</source>
        <translation>尝试失败后等待重试的任务。点击以显示。</translation>
    </message>
    <message>
        <source>Succeeded tasks the store holds (purged ones are no longer counted). Click to show them.</source>
        <translation>存储中成功的任务（已清除的不再计入）。点击以显示。</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::DeadLettersView</name>
    <message>
        <source>All models</source>
        <translation>全部模型</translation>
    </message>
    <message>
        <source>&amp;Requeue selected</source>
        <translation>重新入队所选(&amp;R)</translation>
    </message>
    <message>
        <source>Requeue &amp;all</source>
        <translation>全部重新入队(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Purge…</source>
        <translation>清除(&amp;P)…</translation>
    </message>
    <message numerus="yes">
        <source>Requeued %n task(s)</source>
        <translation>
            <numerusform>已重新入队 %n 个任务</numerusform>
        </translation>
    </message>
    <message>
        <source>Requeue failed: %1</source>
        <translation>重新入队失败：%1</translation>
    </message>
    <message>
        <source>all models</source>
        <translation>全部模型</translation>
    </message>
    <message>
        <source>Purge dead letters</source>
        <translation>清除死信</translation>
    </message>
    <message>
        <source>Delete the %1 dead tasks of %2 for good? Their input, output and logs are removed.</source>
        <translation>要永久删除 %2 中的 %1 个死信任务吗？其输入、输出和日志将一并移除。</translation>
    </message>
    <message>
        <source>Purge failed: %1</source>
        <translation>清除失败：%1</translation>
    </message>
    <message numerus="yes">
        <source>%Ln dead task(s)</source>
        <translation>
            <numerusform>%Ln 个死信任务</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Requeued %Ln dead task(s)</source>
        <translation>
            <numerusform>已重新入队 %Ln 个死信任务</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Purged %Ln dead task(s)</source>
        <translation>
            <numerusform>已清除 %Ln 个死信任务</numerusform>
        </translation>
    </message>
    <message>
        <source>No dead letters. A task that fails all its attempts lands here, to be requeued or purged.</source>
        <translation>没有死信。用尽所有尝试仍失败的任务会进入这里，可重新排队或清除。</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::ImportDialog</name>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
    <message>
        <source>%1 imported · %2 rejected</source>
        <translation>已导入 %1 · 已拒绝 %2</translation>
    </message>
    <message>
        <source>Import %1</source>
        <translation>导入 %1</translation>
    </message>
    <message>
        <source>Importing %1…</source>
        <translation>正在导入 %1…</translation>
    </message>
    <message>
        <source>Lines that could not be imported are listed here.</source>
        <translation>无法导入的行将列在此处。</translation>
    </message>
    <message>
        <source>Stopped. </source>
        <translation>已停止。</translation>
    </message>
    <message>
        <source>Import stopped: %1</source>
        <translation>导入已停止：%1</translation>
    </message>
    <message>
        <source>… and %1 more</source>
        <translation>…另有 %1 行</translation>
    </message>
    <message>
        <source>line %1: %2</source>
        <translation>第 %1 行：%2</translation>
    </message>
    <message>
        <source>Reading %1…</source>
        <translation>正在读取 %1…</translation>
    </message>
    <message>
        <source>The first lines of the file are shown here.</source>
        <translation>这里显示文件的前几行。</translation>
    </message>
    <message>
        <source>&amp;Import</source>
        <translation>导入(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Save rejected lines…</source>
        <translation>保存被拒绝的行(&amp;S)…</translation>
    </message>
    <message>
        <source>Save rejected lines</source>
        <translation>保存被拒绝的行</translation>
    </message>
    <message>
        <source>JSON Lines (*.jsonl);;All files (*)</source>
        <translation>JSON Lines (*.jsonl);;所有文件 (*)</translation>
    </message>
    <message numerus="yes">
        <source>%Ln task(s) in %1.</source>
        <translation>
            <numerusform>%Ln 个任务，共 %1。</numerusform>
        </translation>
    </message>
    <message>
        <source>About %1 tasks in %2 (estimated from the first %3 lines).</source>
        <translation>约 %1 个任务，共 %2（按前 %3 行估算）。</translation>
    </message>
    <message>
        <source>Models: %1.</source>
        <translation>模型：%1。</translation>
    </message>
    <message>
        <source>Models in the first lines: %1.</source>
        <translation>前几行中的模型：%1。</translation>
    </message>
    <message>
        <source>Not configured here, so their lines will be rejected: %1.</source>
        <translation>以下模型未在此配置，其所在行将被拒绝：%1。</translation>
    </message>
    <message>
        <source>%1 of the first %2 lines are not valid tasks and will be rejected.</source>
        <translation>前 %2 行中有 %1 行不是有效任务，将被拒绝。</translation>
    </message>
    <message>
        <source>There is nothing to import.</source>
        <translation>没有可导入的内容。</translation>
    </message>
    <message numerus="yes">
        <source>Imported %Ln task(s)</source>
        <translation>
            <numerusform>已导入 %Ln 个任务</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln duplicate(s) skipped</source>
        <translation>
            <numerusform>跳过 %Ln 个重复项</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln line(s) rejected.</source>
        <translation>
            <numerusform>拒绝 %Ln 行。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Saved %Ln rejected line(s) to %1.</source>
        <translation>
            <numerusform>已将 %Ln 个被拒绝的行保存到 %1。</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not save the rejected lines: %1</source>
        <translation>无法保存被拒绝的行：%1</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>A task, as one JSON object</source>
        <translation>一个任务（一个 JSON 对象）</translation>
    </message>
    <message>
        <source>Values for the template %1</source>
        <translation>模板 %1 的变量值</translation>
    </message>
    <message>
        <source>Each &amp;line is:</source>
        <translation>每一行(&amp;L)是：</translation>
    </message>
    <message>
        <source>Each line holds values for the template %1 (a CSV: its first line names the variables). Every line is checked when it is submitted; the wrong ones are listed and the others submitted.</source>
        <translation>每一行是模板 %1 的变量值（CSV 文件的第一行给出变量名）。每一行在提交时检查；有误的行会列出，其余的照常提交。</translation>
    </message>
    <message>
        <source>Submitting the template %1 once per line of %2…</source>
        <translation>正在按 %2 的每一行提交一次模板 %1…</translation>
    </message>
    <message>
        <source>cannot read %1 (or it is over 64 MB)</source>
        <translation>无法读取 %1（或文件超过 64 MB）</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::LogsView</name>
    <message>
        <source>Debug and above</source>
        <translation>调试及以上</translation>
    </message>
    <message>
        <source>Info and above</source>
        <translation>信息及以上</translation>
    </message>
    <message>
        <source>Warnings and errors</source>
        <translation>警告和错误</translation>
    </message>
    <message>
        <source>Errors only</source>
        <translation>仅错误</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>跟随</translation>
    </message>
    <message>
        <source>Scroll to new lines as they arrive</source>
        <translation>有新行时自动滚动到新行</translation>
    </message>
    <message>
        <source>All sources</source>
        <translation>所有来源</translation>
    </message>
    <message>
        <source>Task events</source>
        <translation>任务事件</translation>
    </message>
    <message>
        <source>Program log</source>
        <translation>程序日志</translation>
    </message>
    <message>
        <source>Task events: submitted, started, retried, dead, cancelled.
Program log: the engine, store, providers and REST server of this program, and a server&apos;s notifications.</source>
        <translation>任务事件：已提交、已开始、重试、死信、已取消。
程序日志：本程序的引擎、存储、提供方和 REST 服务器，以及服务器的通知。</translation>
    </message>
    <message>
        <source>Filter lines (a task ID, a model, a word)</source>
        <translation>筛选行（任务 ID、模型或任意词）</translation>
    </message>
    <message>
        <source>No lines yet: task events and the program&apos;s messages appear here as they happen.</source>
        <translation>还没有内容：任务事件和程序消息发生时会显示在这里。</translation>
    </message>
    <message>
        <source>submitted to %1 at priority %2</source>
        <translation>已提交到 %1，优先级 %2</translation>
    </message>
    <message>
        <source>started, attempt %1</source>
        <translation>已开始，第 %1 次尝试</translation>
    </message>
    <message numerus="yes">
        <source>succeeded after %Ln attempt(s)</source>
        <translation>
            <numerusform>经 %Ln 次尝试后成功</numerusform>
        </translation>
    </message>
    <message>
        <source>attempt %1 failed, will retry: %2</source>
        <translation>第 %1 次尝试失败，将重试：%2</translation>
    </message>
    <message numerus="yes">
        <source>dead after %Ln attempt(s): %1</source>
        <translation>
            <numerusform>经 %Ln 次尝试后进入死信：%1</numerusform>
        </translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>back-off over, queued for attempt %1</source>
        <translation>退避结束，已排队进行第 %1 次尝试</translation>
    </message>
    <message>
        <source>due, queued</source>
        <translation>已到期，已排队</translation>
    </message>
    <message>
        <source>dependencies done, queued</source>
        <translation>依赖已完成，已排队</translation>
    </message>
    <message>
        <source>queued again (was %1)</source>
        <translation>已重新排队（原为%1）</translation>
    </message>
    <message>
        <source>back in the queue</source>
        <translation>已回到队列</translation>
    </message>
    <message>
        <source>task %1 (%2): %3</source>
        <translation>任务 %1（%2）：%3</translation>
    </message>
    <message>
        <source>%1 task events not shown (more arrived than the view keeps)</source>
        <translation>%1 个任务事件未显示（到达的数量超过视图能保留的）</translation>
    </message>
    <message>
        <source>server: %1: %2</source>
        <translation>服务器：%1：%2</translation>
    </message>
    <message>
        <source>… %1 more lines (a filter, or a higher level, shows them all)</source>
        <translation>… 还有 %1 行（使用筛选或更高的级别可全部显示）</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::MainWindow</name>
    <message>
        <source>LLM Scheduler</source>
        <translation>LLM Scheduler</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>队列</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Statistics</source>
        <translation>统计</translation>
    </message>
    <message>
        <source>Dead letters</source>
        <translation>死信</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>%1 (Ctrl+%2)</source>
        <translation>%1（Ctrl+%2）</translation>
    </message>
    <message>
        <source>REST: %1</source>
        <translation>REST：%1</translation>
    </message>
    <message>
        <source>REST API and OpenAI-compatible endpoint (%1/v1)</source>
        <translation>REST API 和 OpenAI 兼容端点（%1/v1）</translation>
    </message>
    <message>
        <source>REST: off</source>
        <translation>REST：关闭</translation>
    </message>
    <message>
        <source>REST: not serving</source>
        <translation>REST：未提供服务</translation>
    </message>
    <message>
        <source>Show window</source>
        <translation>显示窗口</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>&amp;Submit task…</source>
        <translation>提交任务(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Import JSONL…</source>
        <translation>导入 JSONL(&amp;I)…</translation>
    </message>
    <message>
        <source>Se&amp;ttings…</source>
        <translation>设置(&amp;T)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Pause all</source>
        <translation>全部暂停(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Demo feed</source>
        <translation>演示投放(&amp;D)</translation>
    </message>
    <message>
        <source>Keep feeding the simulated demo model with tasks</source>
        <translation>持续向模拟演示模型投放任务</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Tasks</source>
        <translation>任务(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Engine</source>
        <translation>引擎(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Queue</source>
        <translation>队列(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Models</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Statistics</source>
        <translation>统计(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Dead letters</source>
        <translation>死信(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Logs</source>
        <translation>日志(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>&amp;About LLM Scheduler</source>
        <translation>关于 LLM Scheduler(&amp;A)</translation>
    </message>
    <message>
        <source>About LLM Scheduler</source>
        <translation>关于 LLM Scheduler</translation>
    </message>
    <message>
        <source>&lt;h3&gt;LLM Scheduler %1&lt;/h3&gt;&lt;p&gt;Queues, schedules and runs large volumes of LLM calls within each endpoint&apos;s limits.&lt;/p&gt;&lt;p&gt;Database: %2&lt;/p&gt;</source>
        <translation>&lt;h3&gt;LLM Scheduler %1&lt;/h3&gt;&lt;p&gt;在各端点的限制范围内，对大量 LLM 调用进行排队、调度和执行。&lt;/p&gt;&lt;p&gt;数据库：%2&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>Store error: %1</source>
        <translation>存储错误：%1</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Running · %1</source>
        <translation>运行中 · %1</translation>
    </message>
    <message>
        <source>Store: %1</source>
        <translation>存储：%1</translation>
    </message>
    <message>
        <source>&amp;Resume all</source>
        <translation>全部恢复(&amp;R)</translation>
    </message>
    <message>
        <source>Dead letters growing</source>
        <translation>死信正在增加</translation>
    </message>
    <message numerus="yes">
        <source>%n task(s) moved to the dead-letter queue</source>
        <translation>
            <numerusform>%n 个任务已移入死信队列</numerusform>
        </translation>
    </message>
    <message>
        <source>Dispatching paused; running calls finish</source>
        <translation>调度已暂停；运行中的调用将继续完成</translation>
    </message>
    <message>
        <source>Dispatching resumed</source>
        <translation>调度已恢复</translation>
    </message>
    <message numerus="yes">
        <source>Submitted %n task(s)</source>
        <translation>
            <numerusform>已提交 %n 个任务</numerusform>
        </translation>
    </message>
    <message>
        <source>Import tasks</source>
        <translation>导入任务</translation>
    </message>
    <message>
        <source>%1 (this computer)</source>
        <translation>%1（本机）</translation>
    </message>
    <message>
        <source>%1 (llm-schedulerd %2)</source>
        <translation>%1（llm-schedulerd %2）</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>正在连接 %1…</translation>
    </message>
    <message>
        <source>Reconnecting to %1…</source>
        <translation>正在重新连接 %1…</translation>
    </message>
    <message>
        <source>Server: %1</source>
        <translation>服务器：%1</translation>
    </message>
    <message>
        <source>llm-schedulerd %1</source>
        <translation>llm-schedulerd %1</translation>
    </message>
    <message>
        <source>Could not show %1:

%2</source>
        <translation>无法显示 %1：

%2</translation>
    </message>
    <message>
        <source>&amp;Connect to server…</source>
        <translation>连接到服务器(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;Disconnect</source>
        <translation>断开连接(&amp;D)</translation>
    </message>
    <message>
        <source>Show this computer&apos;s embedded engine again</source>
        <translation>重新显示本机的内嵌引擎</translation>
    </message>
    <message>
        <source>%1 refuses the token: File &gt; Connect to server</source>
        <translation>%1 拒绝了令牌：文件 &gt; 连接到服务器</translation>
    </message>
    <message>
        <source>LLM Scheduler service found</source>
        <translation>发现 LLM Scheduler 服务</translation>
    </message>
    <message>
        <source>%1 is running on this computer (%2). Show its queue instead of a separate engine in this window?</source>
        <translation>%1 正在本机运行（%2）。是否在本窗口显示它的队列，而不是另起一个引擎？</translation>
    </message>
    <message>
        <source>It asks for an API token: create one with &quot;llm-schedulerd token create --role admin&quot; and enter it in File &gt; Connect to server, which opens next.</source>
        <translation>它需要 API 令牌：请用 &quot;llm-schedulerd token create --role admin&quot; 创建一个，并在接下来打开的“文件 &gt; 连接到服务器”中填入。</translation>
    </message>
    <message>
        <source>You can switch at any time with File &gt; Connect to server.</source>
        <translation>随时可以通过“文件 &gt; 连接到服务器”切换。</translation>
    </message>
    <message>
        <source>&amp;Connect to the service</source>
        <translation>连接到该服务(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Keep this window&apos;s engine</source>
        <translation>保留本窗口的引擎(&amp;K)</translation>
    </message>
    <message numerus="yes">
        <source>Imported %Ln task(s)</source>
        <translation>
            <numerusform>已导入 %Ln 个任务</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln line(s) rejected</source>
        <translation>
            <numerusform>拒绝 %Ln 行</numerusform>
        </translation>
    </message>
    <message>
        <source>&lt;b&gt;Welcome to LLM Scheduler&lt;/b&gt;</source>
        <translation>&lt;b&gt;欢迎使用 LLM Scheduler&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Add a model…</source>
        <translation>添加模型…</translation>
    </message>
    <message>
        <source>Submit a task…</source>
        <translation>提交任务…</translation>
    </message>
    <message>
        <source>Import a file of tasks…</source>
        <translation>导入任务文件…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>What moves here is a demo: the model “demo” is simulated on this computer (no API key, nothing sent anywhere) and the demo feed gives it %1 tasks a second. Turn the feed off with Demo feed in the toolbar. To run real work, add a model with your endpoint, then submit or import tasks.</source>
        <translation>这里变化的数字来自演示：模型“demo”在本机模拟运行（无需 API 密钥，不会向外发送任何内容），演示投放每秒向它提交 %1 个任务。可在工具栏的“演示投放”中关闭。要运行真实任务，请添加一个使用您端点的模型，然后提交或导入任务。</translation>
    </message>
    <message>
        <source>The model “demo” is simulated on this computer (no API key, nothing sent anywhere). To run real work, add a model with your endpoint, then submit or import tasks.</source>
        <translation>模型“demo”在本机模拟运行（无需 API 密钥，不会向外发送任何内容）。要运行真实任务，请添加一个使用您端点的模型，然后提交或导入任务。</translation>
    </message>
    <message>
        <source>Nodes</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>&amp;Nodes</source>
        <translation>节点(&amp;N)</translation>
    </message>
    <message>
        <source>Batches</source>
        <translation>批次</translation>
    </message>
    <message>
        <source>&amp;Batches</source>
        <translation>批次(&amp;B)</translation>
    </message>
    <message>
        <source>Workflows</source>
        <translation>工作流</translation>
    </message>
    <message>
        <source>&amp;Workflows</source>
        <translation>工作流(&amp;W)</translation>
    </message>
    <message>
        <source>&lt;table&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+1…8&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Queue, Models, Statistics, Dead letters, Logs, Nodes, Batches, Workflows&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+N&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Submit a task&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+I&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Import tasks from JSONL&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+F&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Search the queue&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Enter&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Open the selected task&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Delete&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Cancel the selected tasks&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+R&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Retry / requeue the selected tasks&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+E&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Export the selected tasks&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;F5&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Refresh the queue&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+Shift+P&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Pause or resume all dispatching&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;th colspan=2 align=left&gt;Workflows&lt;/th&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+Tab&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Runs, Schedules, Templates, Webhooks&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Insert&lt;/b&gt;&lt;/td&gt;&lt;td&gt;A new schedule, template or webhook&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Enter&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Edit the schedule; submit the template&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+P&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Pause or resume the schedule or webhook&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+Shift+R&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Run the schedule now&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+Shift+I&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Submit the template once per row of a CSV or JSONL file&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Wheel, Ctrl++ / Ctrl+-&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Zoom the graph; drag to pan&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;F, Ctrl+0&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Fit the graph&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;</source>
        <translation>&lt;table&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+1…8&lt;/b&gt;&lt;/td&gt;&lt;td&gt;队列、模型、统计、死信、日志、节点、批次、工作流&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+N&lt;/b&gt;&lt;/td&gt;&lt;td&gt;提交任务&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+I&lt;/b&gt;&lt;/td&gt;&lt;td&gt;从 JSONL 导入任务&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+F&lt;/b&gt;&lt;/td&gt;&lt;td&gt;搜索队列&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Enter&lt;/b&gt;&lt;/td&gt;&lt;td&gt;打开所选任务&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Delete&lt;/b&gt;&lt;/td&gt;&lt;td&gt;取消所选任务&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+R&lt;/b&gt;&lt;/td&gt;&lt;td&gt;重试/重新入队所选任务&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+E&lt;/b&gt;&lt;/td&gt;&lt;td&gt;导出所选任务&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;F5&lt;/b&gt;&lt;/td&gt;&lt;td&gt;刷新队列&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+Shift+P&lt;/b&gt;&lt;/td&gt;&lt;td&gt;暂停或恢复全部调度&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;th colspan=2 align=left&gt;工作流&lt;/th&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+Tab&lt;/b&gt;&lt;/td&gt;&lt;td&gt;运行、定时计划、模板、Webhook&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Insert&lt;/b&gt;&lt;/td&gt;&lt;td&gt;新建定时计划、模板或 Webhook&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Enter&lt;/b&gt;&lt;/td&gt;&lt;td&gt;编辑定时计划；提交模板&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+P&lt;/b&gt;&lt;/td&gt;&lt;td&gt;暂停或恢复定时计划或 Webhook&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+Shift+R&lt;/b&gt;&lt;/td&gt;&lt;td&gt;立即运行定时计划&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+Shift+I&lt;/b&gt;&lt;/td&gt;&lt;td&gt;对 CSV 或 JSONL 文件的每一行提交一次模板&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Wheel, Ctrl++ / Ctrl+-&lt;/b&gt;&lt;/td&gt;&lt;td&gt;缩放图；拖动可平移&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;F, Ctrl+0&lt;/b&gt;&lt;/td&gt;&lt;td&gt;使图适应窗口&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;</translation>
    </message>
    <message>
        <source>Tasks or template values (*.jsonl *.ndjson *.json *.csv);;All files (*)</source>
        <translation>任务或模板变量值 (*.jsonl *.ndjson *.json *.csv);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::ModelEditorDialog</name>
    <message>
        <source>Edit model “%1”</source>
        <translation>编辑模型“%1”</translation>
    </message>
    <message>
        <source>Add model</source>
        <translation>添加模型</translation>
    </message>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>Endpoints</source>
        <translation>端点</translation>
    </message>
    <message>
        <source>&amp;Test connection</source>
        <translation>测试连接(&amp;T)</translation>
    </message>
    <message>
        <source>Asks every endpoint whether it answers with this URL and key, without saving</source>
        <translation>使用当前 URL 和密钥测试各端点能否响应，不保存设置</translation>
    </message>
    <message>
        <source>e.g. gpt-4o-mini or local/llama3</source>
        <translation>例如 gpt-4o-mini 或 local/llama3</translation>
    </message>
    <message>
        <source>Used in the API and in metrics: letters, digits and . _ : / -</source>
        <translation>用于 API 和指标：可含字母、数字及 . _ : / -</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>可选</translation>
    </message>
    <message>
        <source>Round robin</source>
        <translation>轮询</translation>
    </message>
    <message>
        <source>Weighted</source>
        <translation>加权</translation>
    </message>
    <message>
        <source>Least busy</source>
        <translation>最空闲</translation>
    </message>
    <message>
        <source>Lowest latency</source>
        <translation>最低延迟</translation>
    </message>
    <message>
        <source>Session affinity</source>
        <translation>会话亲和</translation>
    </message>
    <message>
        <source>Each endpoint in turn</source>
        <translation>依次使用每个端点</translation>
    </message>
    <message>
        <source>In proportion to each endpoint&apos;s weight</source>
        <translation>按各端点的权重比例分配</translation>
    </message>
    <message>
        <source>The fewest calls in flight relative to the endpoint&apos;s limit</source>
        <translation>进行中调用占端点上限比例最低的端点</translation>
    </message>
    <message>
        <source>The endpoint with the lowest recent latency</source>
        <translation>近期延迟最低的端点</translation>
    </message>
    <message>
        <source>The same endpoint for the same session key while it can take the call</source>
        <translation>同一会话键始终使用同一端点（只要该端点可接受调用）</translation>
    </message>
    <message>
        <source>Calls of this model in flight at most, over all its endpoints</source>
        <translation>此模型在其所有端点上进行中调用数的上限</translation>
    </message>
    <message>
        <source>Unfinished tasks the queue accepts before refusing submits</source>
        <translation>队列可容纳的未完成任务数，超出后拒绝提交</translation>
    </message>
    <message>
        <source> ms</source>
        <translation> ms</translation>
    </message>
    <message>
        <source>How long one call may take before it is abandoned and retried</source>
        <translation>单次调用超过此时长即放弃并重试</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>&amp;Description:</source>
        <translation>描述(&amp;D)：</translation>
    </message>
    <message>
        <source>&amp;Strategy:</source>
        <translation>策略(&amp;S)：</translation>
    </message>
    <message>
        <source>&amp;Concurrency:</source>
        <translation>并发(&amp;C)：</translation>
    </message>
    <message>
        <source>&amp;Queue capacity:</source>
        <translation>队列容量(&amp;Q)：</translation>
    </message>
    <message>
        <source>&amp;Timeout per call:</source>
        <translation>单次调用超时(&amp;T)：</translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation>添加(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>移除(&amp;R)</translation>
    </message>
    <message>
        <source>same as the model&apos;s name</source>
        <translation>与模型名称相同</translation>
    </message>
    <message>
        <source>The model name sent upstream, e.g. gpt-4o-mini or llama3.1:8b</source>
        <translation>发送给上游的模型名称，例如 gpt-4o-mini 或 llama3.1:8b</translation>
    </message>
    <message>
        <source>paste a new key to store it in the keychain</source>
        <translation>粘贴新密钥以存入钥匙串</translation>
    </message>
    <message>
        <source>none, or env:NAME, file:/path, keychain:NAME</source>
        <translation>无，或 env:NAME、file:/path、keychain:NAME</translation>
    </message>
    <message>
        <source>Where the engine reads the key when a call needs it; the key itself is never shown</source>
        <translation>调用需要密钥时引擎从何处读取；密钥本身从不显示</translation>
    </message>
    <message>
        <source>the model&apos;s</source>
        <translation>沿用模型</translation>
    </message>
    <message>
        <source>Calls in flight at most on this endpoint; the engine lowers it on 429/503</source>
        <translation>此端点进行中调用数的上限；遇到 429/503 时引擎会自动调低</translation>
    </message>
    <message>
        <source>unlimited</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>Na&amp;me:</source>
        <translation>名称(&amp;M)：</translation>
    </message>
    <message>
        <source>&amp;Provider:</source>
        <translation>提供商(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Base URL:</source>
        <translation>基础 URL(&amp;B)：</translation>
    </message>
    <message>
        <source>&amp;Upstream model:</source>
        <translation>上游模型(&amp;U)：</translation>
    </message>
    <message>
        <source>API &amp;key:</source>
        <translation>API 密钥(&amp;K)：</translation>
    </message>
    <message>
        <source>Key &amp;reference:</source>
        <translation>密钥引用(&amp;R)：</translation>
    </message>
    <message>
        <source>Max &amp;concurrency:</source>
        <translation>最大并发(&amp;C)：</translation>
    </message>
    <message>
        <source>Requests per &amp;minute:</source>
        <translation>每分钟请求数(&amp;M)：</translation>
    </message>
    <message>
        <source>T&amp;okens per minute:</source>
        <translation>每分钟令牌数(&amp;O)：</translation>
    </message>
    <message>
        <source>&amp;Weight:</source>
        <translation>权重(&amp;W)：</translation>
    </message>
    <message>
        <source>Attempts per task, the first included, before it goes to the dead letters</source>
        <translation>每个任务的尝试次数（含首次），用尽后移入死信队列</translation>
    </message>
    <message>
        <source>Each further retry waits this many times longer</source>
        <translation>每次后续重试的等待时间乘以此倍数</translation>
    </message>
    <message>
        <source> %</source>
        <translation> %</translation>
    </message>
    <message>
        <source>Delays are shortened by a random share up to this, so retries do not arrive together</source>
        <translation>延迟随机缩短，最多缩短此比例，以免重试同时到达</translation>
    </message>
    <message>
        <source>Max &amp;attempts:</source>
        <translation>最大尝试次数(&amp;A)：</translation>
    </message>
    <message>
        <source>&amp;First delay:</source>
        <translation>首次延迟(&amp;F)：</translation>
    </message>
    <message>
        <source>&amp;Backoff factor:</source>
        <translation>退避系数(&amp;B)：</translation>
    </message>
    <message>
        <source>Max &amp;delay:</source>
        <translation>最大延迟(&amp;D)：</translation>
    </message>
    <message>
        <source>&amp;Jitter:</source>
        <translation>抖动(&amp;J)：</translation>
    </message>
    <message>
        <source>Cost</source>
        <translation>成本</translation>
    </message>
    <message>
        <source>no budget</source>
        <translation>无预算</translation>
    </message>
    <message>
        <source>Dispatch stops for the day (UTC) once the model has spent this much</source>
        <translation>模型当日（UTC）花费达到此金额后停止调度</translation>
    </message>
    <message>
        <source>&amp;Input per 1M tokens:</source>
        <translation>每百万输入令牌(&amp;I)：</translation>
    </message>
    <message>
        <source>&amp;Output per 1M tokens:</source>
        <translation>每百万输出令牌(&amp;O)：</translation>
    </message>
    <message>
        <source>Daily b&amp;udget:</source>
        <translation>每日预算(&amp;U)：</translation>
    </message>
    <message>
        <source>e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1</source>
        <translation>例如 https://api.openai.com/v1 或 http://127.0.0.1:8000/v1</translation>
    </message>
    <message>
        <source>e.g. https://api.anthropic.com</source>
        <translation>例如 https://api.anthropic.com</translation>
    </message>
    <message>
        <source>optional: tasks may give absolute URLs</source>
        <translation>可选：任务可使用绝对 URL</translation>
    </message>
    <message>
        <source>not used: answers are simulated</source>
        <translation>不使用：响应为模拟生成</translation>
    </message>
    <message>
        <source>This endpoint&apos;s share of the calls, relative to the others</source>
        <translation>此端点相对于其他端点所承担的调用份额</translation>
    </message>
    <message>
        <source>Used by the weighted strategy only</source>
        <translation>仅用于加权策略</translation>
    </message>
    <message>
        <source>Simulated endpoints need no key.</source>
        <translation>模拟端点无需密钥。</translation>
    </message>
    <message>
        <source>The key goes to the OS keychain as %1 when you save or test; it is never shown again.</source>
        <translation>保存或测试时，密钥将以 %1 存入系统钥匙串，之后不再显示。</translation>
    </message>
    <message>
        <source>The engine reads the key from %1 when a call needs it.</source>
        <translation>调用需要密钥时，引擎将从 %1 读取。</translation>
    </message>
    <message>
        <source>No key: for servers that need none.</source>
        <translation>无密钥：适用于不需要密钥的服务器。</translation>
    </message>
    <message>
        <source>Enter the base URL of the server, e.g. http://127.0.0.1:8000/v1.</source>
        <translation>请输入服务器的基础 URL，例如 http://127.0.0.1:8000/v1。</translation>
    </message>
    <message>
        <source>Give the model a name.</source>
        <translation>请为模型命名。</translation>
    </message>
    <message>
        <source>A model name starts with a letter or digit and may contain letters, digits and . _ : / - (at most 128 characters).</source>
        <translation>模型名称须以字母或数字开头，可包含字母、数字及 . _ : / -（最多 128 个字符）。</translation>
    </message>
    <message>
        <source>A model named “%1” already exists; choose another name or edit that model.</source>
        <translation>已存在名为“%1”的模型；请换一个名称，或编辑该模型。</translation>
    </message>
    <message>
        <source>Add at least one endpoint: the model&apos;s tasks need a server to go to.</source>
        <translation>请至少添加一个端点：模型的任务需要发送到某个服务器。</translation>
    </message>
    <message>
        <source>Every endpoint needs a name.</source>
        <translation>每个端点都需要名称。</translation>
    </message>
    <message>
        <source>Two endpoints are named “%1”; give each its own name.</source>
        <translation>有两个端点都名为“%1”；请为每个端点分别命名。</translation>
    </message>
    <message>
        <source>Endpoint “%1”: %2</source>
        <translation>端点“%1”：%2</translation>
    </message>
    <message>
        <source>Endpoint “%1”: the key reference %2</source>
        <translation>端点“%1”：密钥引用 %2</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Testing the connection…</source>
        <translation>正在测试连接…</translation>
    </message>
    <message>
        <source>Storing the key of “%1” in the OS keychain…</source>
        <translation>正在将“%1”的密钥存入系统钥匙串…</translation>
    </message>
    <message>
        <source>The engine did not take the model</source>
        <translation>引擎未接受该模型</translation>
    </message>
    <message>
        <source>The test did not run</source>
        <translation>测试未能运行</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>No endpoint to test.</source>
        <translation>没有可测试的端点。</translation>
    </message>
    <message>
        <source>The name of an existing model cannot change: its tasks and statistics refer to it</source>
        <translation>已有模型的名称不可更改：其任务和统计数据都引用该名称</translation>
    </message>
    <message>
        <source>Dispatch</source>
        <translation>调度</translation>
    </message>
    <message>
        <source>How the model picks an endpoint for each call</source>
        <translation>模型为每次调用选择端点的方式</translation>
    </message>
    <message>
        <source>Retries</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>The wait before the first retry</source>
        <translation>首次重试前的等待时间</translation>
    </message>
    <message>
        <source>No retry waits longer than this, unless the endpoint asks to (Retry-After)</source>
        <translation>重试等待不超过此时长，除非端点要求更久（Retry-After）</translation>
    </message>
    <message>
        <source>USD per million prompt tokens</source>
        <translation>每百万提示令牌的价格（美元）</translation>
    </message>
    <message>
        <source>USD per million completion tokens</source>
        <translation>每百万补全令牌的价格（美元）</translation>
    </message>
    <message>
        <source>The key of “%1” could not be stored: %2. Clear the API key field and give a reference such as env:OPENAI_API_KEY under Key reference instead.</source>
        <translation>无法存储“%1”的密钥：%2。请清空“API 密钥”字段，改为在“密钥引用”中填写引用，例如 env:OPENAI_API_KEY。</translation>
    </message>
    <message>
        <source>“%1” is not an http:// or https:// URL with a host name, e.g. http://127.0.0.1:8000/v1.</source>
        <translation>“%1”不是带主机名的 http:// 或 https:// 地址，例如 http://127.0.0.1:8000/v1。</translation>
    </message>
    <message>
        <source>none, or e.g. api.example.com, *.example.org:443</source>
        <translation>无，或例如 api.example.com、*.example.org:443</translation>
    </message>
    <message>
        <source>HTTP provider only: other hosts a task of this endpoint may call besides the origin of its base URL, separated by commas or spaces: host, host:port or *.domain (no scheme, no path).
Empty: only the base URL&apos;s own origin. Loopback and private addresses are refused unless the endpoint itself is on one.</source>
        <translation>仅用于 HTTP 提供商：除基础 URL 自身的源之外，此端点的任务还可以访问的主机，以逗号或空格分隔：host、host:port 或 *.domain（不含协议和路径）。
留空：只允许基础 URL 自身的源。回环地址和私有地址会被拒绝，除非端点本身就位于这类地址上。</translation>
    </message>
    <message>
        <source>Allowed &amp;hosts:</source>
        <translation>允许的主机(&amp;H)：</translation>
    </message>
    <message>
        <source>allowed host “%1” must be host, host:port or *.domain, without scheme or path.</source>
        <translation>允许的主机“%1”必须是 host、host:port 或 *.domain，不含协议和路径。</translation>
    </message>
    <message>
        <source>allowed hosts apply to the HTTP provider only; clear the field or choose that provider.</source>
        <translation>允许的主机仅适用于 HTTP 提供商；请清空此字段或选择该提供商。</translation>
    </message>
    <message>
        <source>Send the key to a new server?</source>
        <translation>要把密钥发送到新的服务器吗？</translation>
    </message>
    <message>
        <source>Endpoint “%1” would send the key of %2 to %3, where this key has not been sent before. Send it there?</source>
        <translation>端点“%1”将把 %2 的密钥发送到 %3，此前从未向那里发送过这个密钥。确定发送吗？</translation>
    </message>
    <message>
        <source>Not saved: the key of “%1” stays where it was sent before.</source>
        <translation>未保存：“%1”的密钥仍只发送到原来的服务器。</translation>
    </message>
    <message>
        <source>at most %1 allowed hosts; %2 were given.</source>
        <translation>允许的主机最多 %1 个；填写了 %2 个。</translation>
    </message>
    <message>
        <source>Until now it has been sent to %1 only. Cancel keeps it there.</source>
        <translation>此前它只发送到 %1。选择“取消”则保持不变。</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::ModelTreeModel</name>
    <message>
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>OpenAI-compatible</source>
        <translation>OpenAI 兼容</translation>
    </message>
    <message>
        <source>Anthropic</source>
        <translation>Anthropic</translation>
    </message>
    <message>
        <source>HTTP</source>
        <translation>HTTP</translation>
    </message>
    <message>
        <source>Simulated</source>
        <translation>模拟</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>budget exhausted</source>
        <translation>预算已用尽</translation>
    </message>
    <message>
        <source>paused (all)</source>
        <translation>已暂停（全部）</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message numerus="yes">
        <source>%n open</source>
        <translation>
            <numerusform>%n 个断开</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n half-open</source>
        <translation>
            <numerusform>%n 个半开</numerusform>
        </translation>
    </message>
    <message>
        <source>unhealthy</source>
        <translation>不健康</translation>
    </message>
    <message>
        <source>cooling down</source>
        <translation>冷却中</translation>
    </message>
    <message>
        <source>healthy</source>
        <translation>健康</translation>
    </message>
    <message numerus="yes">
        <source>%n endpoint(s), strategy %1</source>
        <translation>
            <numerusform>%n 个端点，策略：%1</numerusform>
        </translation>
    </message>
    <message>
        <source>Today&apos;s spend reached the daily budget: queued work waits until 00:00 UTC or a higher budget.</source>
        <translation>今日花费已达每日预算：排队的任务将等待至 UTC 00:00 或预算调高之后。</translation>
    </message>
    <message>
        <source>Paused: queued work waits until the model is resumed.</source>
        <translation>已暂停：排队的任务将等待至模型恢复。</translation>
    </message>
    <message>
        <source>%1 calls running; at most %2 at once</source>
        <translation>%1 个调用运行中；最多同时 %2 个</translation>
    </message>
    <message>
        <source>Queued or waiting: %1 of at most %2</source>
        <translation>排队或等待中：%1，上限 %2</translation>
    </message>
    <message>
        <source>Recent tasks: p50 %1, p95 %2, p99 %3</source>
        <translation>近期任务：p50 %1，p95 %2，p99 %3</translation>
    </message>
    <message>
        <source>Today (UTC): %1
Daily budget: %2
Since start: %3 (%4 prompt and %5 completion tokens)</source>
        <translation>今日（UTC）：%1
每日预算：%2
启动以来：%3（提示令牌 %4，补全令牌 %5）</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>%1 calls, %2 failed</source>
        <translation>%1 次调用，%2 次失败</translation>
    </message>
    <message>
        <source>The endpoint asked to wait (Retry-After) until %1.</source>
        <translation>端点要求等待（Retry-After）至 %1。</translation>
    </message>
    <message>
        <source>Last health check: %1</source>
        <translation>最近健康检查：%1</translation>
    </message>
    <message>
        <source>Open: no calls until %1, then one probe.</source>
        <translation>断开：%1 前不发送调用，之后发送一次探测。</translation>
    </message>
    <message>
        <source>Half-open: a probe call decides whether it closes again.</source>
        <translation>半开：由一次探测调用决定是否重新闭合。</translation>
    </message>
    <message>
        <source>Closed: calls flow normally.</source>
        <translation>闭合：调用正常进行。</translation>
    </message>
    <message>
        <source>%1 calls running; adaptive limit %2 (configured maximum %3)</source>
        <translation>%1 个调用运行中；自适应上限 %2（配置上限 %3）</translation>
    </message>
    <message>
        <source>Requests started in the last minute, of %1 allowed</source>
        <translation>最近一分钟内发起的请求数，上限 %1</translation>
    </message>
    <message>
        <source>Tokens used or reserved in the last minute, of %1 allowed</source>
        <translation>最近一分钟内已用或预留的令牌数，上限 %1</translation>
    </message>
    <message>
        <source>%1
%2</source>
        <translation>%1
%2</translation>
    </message>
    <message>
        <source>Calls running now, of the limit (models: concurrency; endpoints: adaptive limit)</source>
        <translation>当前运行中的调用数 / 上限（模型：并发数；端点：自适应上限）</translation>
    </message>
    <message>
        <source>Tasks waiting for a free slot, including retries waiting out their delay</source>
        <translation>等待空闲槽位的任务，包括等待重试延迟结束的任务</translation>
    </message>
    <message>
        <source>Tasks finished per second, recently</source>
        <translation>近期每秒完成的任务数</translation>
    </message>
    <message>
        <source>Models: 95th percentile of recent tasks; endpoints: average of recent calls</source>
        <translation>模型：近期任务的第 95 百分位；端点：近期调用的平均值</translation>
    </message>
    <message>
        <source>Requests per minute: used / limit</source>
        <translation>每分钟请求数：已用 / 上限</translation>
    </message>
    <message>
        <source>Tokens per minute: used / limit</source>
        <translation>每分钟令牌数：已用 / 上限</translation>
    </message>
    <message>
        <source>Spent today (UTC) / daily budget</source>
        <translation>今日（UTC）花费 / 每日预算</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Circuit</source>
        <translation>熔断器</translation>
    </message>
    <message>
        <source>In flight</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>Tasks/s</source>
        <translation>任务/秒</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>延迟</translation>
    </message>
    <message>
        <source>RPM</source>
        <translation>RPM</translation>
    </message>
    <message>
        <source>TPM</source>
        <translation>TPM</translation>
    </message>
    <message>
        <source>Cost today</source>
        <translation>今日成本</translation>
    </message>
    <message>
        <source>Provider</source>
        <translation>提供商</translation>
    </message>
    <message>
        <source>Base URL</source>
        <translation>基础 URL</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最近错误</translation>
    </message>
    <message>
        <source>No requests-per-minute limit</source>
        <translation>无每分钟请求数限制</translation>
    </message>
    <message>
        <source>No tokens-per-minute limit</source>
        <translation>无每分钟令牌数限制</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::ModelsView</name>
    <message>
        <source>&amp;Add model…</source>
        <translation>添加模型(&amp;A)…</translation>
    </message>
    <message>
        <source>Add a model and its endpoints (Ctrl+Shift+N)</source>
        <translation>添加模型及其端点（Ctrl+Shift+N）</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>编辑(&amp;E)…</translation>
    </message>
    <message>
        <source>Edit the selected model (Enter or double-click)</source>
        <translation>编辑所选模型（Enter 或双击）</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>删除(&amp;D)…</translation>
    </message>
    <message>
        <source>Delete the selected model (Del)</source>
        <translation>删除所选模型（Del）</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>No models yet. A model is a queue with one or more endpoints (servers) to send its tasks to.</source>
        <translation>尚无模型。每个模型是一个队列，配有一个或多个端点（服务器）来接收其任务。</translation>
    </message>
    <message>
        <source>Add a model…</source>
        <translation>添加模型…</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>恢复(&amp;R)</translation>
    </message>
    <message>
        <source>Resume dispatching the selected model&apos;s tasks (Ctrl+P)</source>
        <translation>恢复调度所选模型的任务（Ctrl+P）</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>暂停(&amp;P)</translation>
    </message>
    <message>
        <source>Stop dispatching the selected model&apos;s tasks; running calls finish (Ctrl+P)</source>
        <translation>停止调度所选模型的任务；运行中的调用将继续完成（Ctrl+P）</translation>
    </message>
    <message>
        <source>The model “%1” no longer exists.</source>
        <translation>模型“%1”已不存在。</translation>
    </message>
    <message>
        <source>Could not pause “%1”: %2</source>
        <translation>无法暂停“%1”：%2</translation>
    </message>
    <message>
        <source>Could not resume “%1”: %2</source>
        <translation>无法恢复“%1”：%2</translation>
    </message>
    <message>
        <source>Delete model</source>
        <translation>删除模型</translation>
    </message>
    <message>
        <source>Delete the model “%1”?</source>
        <translation>要删除模型“%1”吗？</translation>
    </message>
    <message>
        <source>Its settings and endpoints are removed. A model with unfinished tasks cannot be deleted: cancel them or let them finish first.</source>
        <translation>其设置和端点将被移除。有未完成任务的模型无法删除：请先取消这些任务或等待其完成。</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Could not delete “%1”: %2</source>
        <translation>无法删除“%1”：%2</translation>
    </message>
    <message>
        <source>Expand all</source>
        <translation>全部展开</translation>
    </message>
    <message>
        <source>Collapse all</source>
        <translation>全部折叠</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::NodesView</name>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>%1 ago</source>
        <translation>%1 前</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Host (pid)</source>
        <translation>主机（pid）</translation>
    </message>
    <message>
        <source>Calls running</source>
        <translation>进行中的调用</translation>
    </message>
    <message>
        <source>Tasks/s</source>
        <translation>任务/秒</translation>
    </message>
    <message>
        <source>Last heartbeat</source>
        <translation>最近心跳</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>启动时间</translation>
    </message>
    <message>
        <source>The node registry cannot be read.</source>
        <translation>无法读取节点注册表。</translation>
    </message>
    <message>
        <source>%1 (this node)</source>
        <translation>%1（本节点）</translation>
    </message>
    <message>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>No heartbeat since %1; its lease ran out at %2.</source>
        <translation>自 %1 起没有心跳；其租约已于 %2 到期。</translation>
    </message>
    <message>
        <source>no REST API</source>
        <translation>无 REST API</translation>
    </message>
    <message>
        <source>No node has registered yet.</source>
        <translation>尚无节点注册。</translation>
    </message>
    <message>
        <source>One node. Nodes that share one PostgreSQL store are listed here together (docs/scaling.md).</source>
        <translation>一个节点。共用同一个 PostgreSQL 存储的节点会一起列在这里（docs/scaling.md）。</translation>
    </message>
    <message numerus="yes">
        <source>%n node(s), %1 online</source>
        <translation>
            <numerusform>%n 个节点，%1 个在线</numerusform>
        </translation>
    </message>
    <message>
        <source>No node has registered yet: the engine registers when it starts.</source>
        <translation>尚无节点注册：引擎启动时会注册。</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::QueueView</name>
    <message>
        <source>All states</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>活动</translation>
    </message>
    <message>
        <source>Show tasks in this state</source>
        <translation>显示处于此状态的任务</translation>
    </message>
    <message>
        <source>All models</source>
        <translation>全部模型</translation>
    </message>
    <message>
        <source>Any priority</source>
        <translation>任意优先级</translation>
    </message>
    <message>
        <source>Priority %1</source>
        <translation>优先级 %1</translation>
    </message>
    <message>
        <source>Follow new tasks</source>
        <translation>跟随新任务</translation>
    </message>
    <message>
        <source>While the list is scrolled to the top and nothing is selected, show new tasks as they arrive</source>
        <translation>列表位于顶部且未选中任何项时，新任务到达即显示</translation>
    </message>
    <message>
        <source>&amp;Details…</source>
        <translation>详情(&amp;D)…</translation>
    </message>
    <message>
        <source>&amp;Cancel tasks</source>
        <translation>取消任务(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Retry tasks</source>
        <translation>重试任务(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Export selected…</source>
        <translation>导出所选(&amp;E)…</translation>
    </message>
    <message>
        <source>Re&amp;fresh</source>
        <translation>刷新(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation>查找(&amp;F)</translation>
    </message>
    <message>
        <source>Change &amp;priority</source>
        <translation>更改优先级(&amp;P)</translation>
    </message>
    <message>
        <source>Tasks can be sorted by ID, created time, model or state</source>
        <translation>任务可按 ID、创建时间、模型或状态排序</translation>
    </message>
    <message>
        <source>Could not read tasks: %1</source>
        <translation>无法读取任务：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n task(s)</source>
        <translation>
            <numerusform>%n 个任务</numerusform>
        </translation>
    </message>
    <message>
        <source>loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>%1 new · show (F5)</source>
        <translation>%1 个新任务 · 显示（F5）</translation>
    </message>
    <message>
        <source>Copy ID</source>
        <translation>复制 ID</translation>
    </message>
    <message numerus="yes">
        <source>%n failed: %1</source>
        <translation>
            <numerusform>%n 个失败：%1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cancelled %n task(s)</source>
        <translation>
            <numerusform>已取消 %n 个任务</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %n task(s) again</source>
        <translation>
            <numerusform>已将 %n 个任务重新入队</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Set priority %1 on %n task(s)</source>
        <translation>
            <numerusform>已将 %n 个任务的优先级设为 %1</numerusform>
        </translation>
    </message>
    <message>
        <source>Export tasks</source>
        <translation>导出任务</translation>
    </message>
    <message>
        <source>JSON Lines (*.jsonl);;All files (*)</source>
        <translation>JSON Lines (*.jsonl);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n task(s) to %1; %2 could not be read</source>
        <translation>
            <numerusform>已将 %n 个任务导出到 %1；%2 个无法读取</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n task(s) to %1</source>
        <translation>
            <numerusform>已将 %n 个任务导出到 %1</numerusform>
        </translation>
    </message>
    <message>
        <source>Words search the ID, error, input, tags and labels.
tag:name shows tasks with that tag; label:key=value (or label:key) those with that label.</source>
        <translation>输入的词会在 ID、错误、输入、标签和标注中搜索。
tag:名称 显示带有该标签的任务；label:键=值（或 label:键）显示带有该标注的任务。</translation>
    </message>
    <message>
        <source>No tasks yet. Submit one (%1) or import a file of tasks (%2).</source>
        <translation>还没有任务。提交一个 (%1) 或导入任务文件 (%2)。</translation>
    </message>
    <message>
        <source>No tasks match %1.</source>
        <translation>没有与 %1 匹配的任务。</translation>
    </message>
    <message>
        <source>Search ID, error, input, tags, labels; tag:name, label:key=value, batch:id (Ctrl+F)</source>
        <translation>搜索 ID、错误、输入、标签、标注；tag:名称、label:键=值、batch:批次ID (Ctrl+F)</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::ScheduleEditor</name>
    <message>
        <source>New schedule</source>
        <translation>新建定时计划</translation>
    </message>
    <message>
        <source>Edit schedule %1</source>
        <translation>编辑定时计划 %1</translation>
    </message>
    <message>
        <source>&amp;Cron</source>
        <translation>Cron(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Every</source>
        <translation>每隔(&amp;E)</translation>
    </message>
    <message>
        <source>minute hour day month weekday, e.g. 0 2 * * MON-FRI (a 6th field first: seconds)</source>
        <translation>分 时 日 月 星期，例如 0 2 * * MON-FRI（如有第 6 个字段，放在最前：秒）</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>Skip runs missed while stopped</source>
        <translation>跳过停止期间错过的运行</translation>
    </message>
    <message>
        <source>Run once for runs missed while stopped</source>
        <translation>为停止期间错过的运行补跑一次</translation>
    </message>
    <message>
        <source>&amp;Paused</source>
        <translation>已暂停(&amp;P)</translation>
    </message>
    <message>
        <source>A task</source>
        <translation>一个任务</translation>
    </message>
    <message>
        <source>A workflow</source>
        <translation>一个工作流</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>When:</source>
        <translation>触发时间：</translation>
    </message>
    <message>
        <source>&amp;Time zone:</source>
        <translation>时区(&amp;T)：</translation>
    </message>
    <message>
        <source>&amp;Missed runs:</source>
        <translation>错过的运行(&amp;M)：</translation>
    </message>
    <message>
        <source>&amp;Submits:</source>
        <translation>提交内容(&amp;S)：</translation>
    </message>
    <message>
        <source>Its body (as POST /api/v1/tasks or /api/v1/workflows takes it):</source>
        <translation>主体（格式与 POST /api/v1/tasks 或 /api/v1/workflows 接受的相同）：</translation>
    </message>
    <message>
        <source>Next fire times:</source>
        <translation>接下来的触发时间：</translation>
    </message>
    <message>
        <source>The body is not JSON: %1 (at character %2)</source>
        <translation>主体不是有效的 JSON：%1（位于第 %2 个字符）</translation>
    </message>
    <message>
        <source>It never fires.</source>
        <translation>它永远不会触发。</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::SchedulesPanel</name>
    <message>
        <source>every %1</source>
        <translation>每隔 %1</translation>
    </message>
    <message numerus="yes">
        <source>workflow %1 (%n task(s))</source>
        <translation>
            <numerusform>工作流 %1（%n 个任务）</numerusform>
        </translation>
    </message>
    <message>
        <source>task on %1</source>
        <translation>任务（模型 %1）</translation>
    </message>
    <message>
        <source>refused: %1</source>
        <translation>被拒绝：%1</translation>
    </message>
    <message>
        <source>task %1</source>
        <translation>任务 %1</translation>
    </message>
    <message>
        <source>workflow %1</source>
        <translation>工作流 %1</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;New schedule…</source>
        <translation>新建定时计划(&amp;N)…</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>编辑(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>暂停(&amp;P)</translation>
    </message>
    <message>
        <source>Run &amp;now</source>
        <translation>立即运行(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>删除(&amp;D)</translation>
    </message>
    <message>
        <source>Schedules</source>
        <translation>定时计划</translation>
    </message>
    <message>
        <source>Run now</source>
        <translation>立即运行</translation>
    </message>
    <message>
        <source>Delete schedule</source>
        <translation>删除定时计划</translation>
    </message>
    <message>
        <source>Delete the schedule %1? What it submitted stays.</source>
        <translation>要删除定时计划 %1 吗？它已提交的内容将保留。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>When</source>
        <translation>触发时间</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>时区</translation>
    </message>
    <message>
        <source>Submits</source>
        <translation>提交内容</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Next fire</source>
        <translation>下次触发</translation>
    </message>
    <message>
        <source>Last fire</source>
        <translation>最近触发</translation>
    </message>
    <message>
        <source>Last result</source>
        <translation>最近结果</translation>
    </message>
    <message>
        <source>Fires</source>
        <translation>触发次数</translation>
    </message>
    <message>
        <source>Cannot read the schedules: %1</source>
        <translation>无法读取定时计划：%1</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>active</source>
        <translation>活动</translation>
    </message>
    <message numerus="yes">
        <source>%n schedule(s)</source>
        <translation>
            <numerusform>%n 个定时计划</numerusform>
        </translation>
    </message>
    <message>
        <source>No schedules yet. New schedule (Insert) runs a task or a workflow on a cron or an interval.</source>
        <translation>尚无定时计划。新建定时计划（Insert）可按 cron 表达式或固定间隔运行任务或工作流。</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>恢复(&amp;R)</translation>
    </message>
    <message>
        <source>Save schedule</source>
        <translation>保存定时计划</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Data directory</source>
        <translation>数据目录</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>系统语言</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Feed the simulated demo model with tasks</source>
        <translation>向模拟演示模型投放任务</translation>
    </message>
    <message>
        <source> tasks/s</source>
        <translation> 任务/秒</translation>
    </message>
    <message>
        <source>Notify about failures and dead-letter growth</source>
        <translation>失败及死信增加时发出通知</translation>
    </message>
    <message>
        <source>&amp;Data directory:</source>
        <translation>数据目录(&amp;D)：</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation>主题(&amp;T)：</translation>
    </message>
    <message>
        <source>Demo:</source>
        <translation>演示：</translation>
    </message>
    <message>
        <source>Demo &amp;rate:</source>
        <translation>演示速率(&amp;R)：</translation>
    </message>
    <message>
        <source>Notifications:</source>
        <translation>通知：</translation>
    </message>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>Serve the REST API and the OpenAI-compatible endpoint</source>
        <translation>提供 REST API 和 OpenAI 兼容端点</translation>
    </message>
    <message>
        <source>Serving now at %1</source>
        <translation>正在 %1 提供服务</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>令牌</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Last used</source>
        <translation>最近使用</translation>
    </message>
    <message>
        <source>&amp;New token…</source>
        <translation>新建令牌(&amp;N)…</translation>
    </message>
    <message>
        <source>&amp;Revoke</source>
        <translation>吊销(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Address:</source>
        <translation>地址(&amp;A)：</translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation>端口(&amp;P)：</translation>
    </message>
    <message>
        <source>Access tokens (clients send them as &quot;Authorization: Bearer …&quot;):</source>
        <translation>访问令牌（客户端以 &quot;Authorization: Bearer …&quot; 形式发送）：</translation>
    </message>
    <message>
        <source>REST API</source>
        <translation>REST API</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not an IP address (for example 127.0.0.1 or 0.0.0.0).</source>
        <translation>“%1”不是 IP 地址（例如 127.0.0.1 或 0.0.0.0）。</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>New token</source>
        <translation>新建令牌</translation>
    </message>
    <message>
        <source>Name (who or what uses it):</source>
        <translation>名称（使用者或用途）：</translation>
    </message>
    <message>
        <source>viewer: read only</source>
        <translation>viewer：只读</translation>
    </message>
    <message>
        <source>operator: submit and manage tasks</source>
        <translation>operator：提交和管理任务</translation>
    </message>
    <message>
        <source>admin: everything, including models and tokens</source>
        <translation>admin：全部权限，包括模型和令牌</translation>
    </message>
    <message>
        <source>Role:</source>
        <translation>角色：</translation>
    </message>
    <message>
        <source>New token %1 — copy it now, it is not shown again:&lt;br&gt;&lt;b&gt;%2&lt;/b&gt;</source>
        <translation>新令牌 %1 — 请立即复制，之后不会再显示：&lt;br&gt;&lt;b&gt;%2&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Revoked %1.</source>
        <translation>已吊销 %1。</translation>
    </message>
    <message>
        <source>This window shows %1; the REST API is that server&apos;s. These settings apply when it shows this computer&apos;s engine.</source>
        <translation>本窗口显示的是 %1；REST API 由该服务器提供。这些设置在显示本机引擎时生效。</translation>
    </message>
    <message>
        <source>Not serving: %1. Another program (the llm-scheduler service?) may hold the port: choose another port, or show that service with File &gt; Connect to server.</source>
        <translation>未在服务：%1。可能有其他程序（llm-scheduler 服务？）占用了该端口：请换一个端口，或通过“文件 &gt; 连接到服务器”显示该服务。</translation>
    </message>
    <message>
        <source>Not serving now (turned off, or --no-api).</source>
        <translation>当前未在服务（已关闭，或使用了 --no-api）。</translation>
    </message>
    <message>
        <source>none: public addresses only</source>
        <translation>无：仅公网地址</translation>
    </message>
    <message>
        <source>Webhooks reach loopback, private and link-local addresses only for these hosts: host, host:port, *.domain or *, separated by commas.</source>
        <translation>Webhook 仅对这些主机可访问回环、私有和链路本地地址：host、host:port、*.domain 或 *，以逗号分隔。</translation>
    </message>
    <message>
        <source>The data directory, the language and the webhook hosts take effect after a restart.</source>
        <translation>数据目录、语言和 Webhook 主机在重启后生效。</translation>
    </message>
    <message>
        <source>&amp;Webhooks may reach:</source>
        <translation>Webhook 可访问(&amp;W)：</translation>
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
        <translation>成本</translation>
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
        <translation>成本（右轴）</translation>
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
        <translation>令牌与成本，%1</translation>
    </message>
    <message>
        <source>Prompt %1, completion %2</source>
        <translation>提示 %1，补全 %2</translation>
    </message>
    <message>
        <source>Reset zoom</source>
        <translation>重置缩放</translation>
    </message>
    <message>
        <source>Drag across a chart to zoom in on that time; a right-click or Esc shows the whole range again</source>
        <translation>在图表上拖动可放大该时间段；右键单击或按 Esc 恢复整个范围</translation>
    </message>
    <message>
        <source>Percentiles are estimated from a latency histogram with fixed buckets, interpolated within a bucket and capped at the slowest call seen.</source>
        <translation>百分位数由固定分桶的延迟直方图估算，在桶内插值，且不超过已观测到的最慢调用。</translation>
    </message>
    <message>
        <source>No calls in this range yet</source>
        <translation>此时间范围内尚无调用</translation>
    </message>
    <message>
        <source>No tasks waited in this range</source>
        <translation>此时间范围内没有等待的任务</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>no calls</source>
        <translation>无调用</translation>
    </message>
    <message>
        <source>no sample</source>
        <translation>无样本</translation>
    </message>
    <message>
        <source>The store keeps each minute&apos;s fastest and slowest call. Minutes stored by older versions kept only bucket counts and total time: for them the estimate is capped at the most the total time allows the slowest call to have taken.</source>
        <translation>存储会保留每分钟最快和最慢的调用。旧版本存储的分钟只保留了各桶计数和总耗时：对这些分钟，估算值不超过总耗时所允许的最慢调用时长。</translation>
    </message>
    <message>
        <source>The last 15 minutes, per 10 seconds</source>
        <translation>最近 15 分钟，按 10 秒</translation>
    </message>
    <message>
        <source>&amp;Endpoint:</source>
        <translation>端点(&amp;E)：</translation>
    </message>
    <message>
        <source>All endpoints</source>
        <translation>全部端点</translation>
    </message>
    <message>
        <source>What one endpoint of the chosen model ran: its attempts, their latency, tokens and cost, and the outcomes they decided</source>
        <translation>所选模型的某个端点运行了什么：它的尝试、尝试的延迟、令牌和费用，以及这些尝试决定的结果</translation>
    </message>
    <message>
        <source>Tasks wait for their model, not for one endpoint</source>
        <translation>任务等待的是模型，而不是某个端点</translation>
    </message>
    <message>
        <source>per 10 seconds</source>
        <translation>每 10 秒</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::SubmitDialog</name>
    <message>
        <source>Submit task</source>
        <translation>提交任务</translation>
    </message>
    <message>
        <source>0 is the most urgent, 9 the least</source>
        <translation>0 最紧急，9 最不紧急</translation>
    </message>
    <message>
        <source>Submit this many identical tasks (load tests, demos)</source>
        <translation>提交指定数量的相同任务（用于负载测试、演示）</translation>
    </message>
    <message>
        <source>comma-separated, optional</source>
        <translation>以逗号分隔，可选</translation>
    </message>
    <message>
        <source>Raw JSON input</source>
        <translation>原始 JSON 输入</translation>
    </message>
    <message>
        <source>Give the task&apos;s input object as JSON instead of a prompt</source>
        <translation>以 JSON 形式给出任务的输入对象，而非提示词</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>&amp;Model:</source>
        <translation>模型(&amp;M)：</translation>
    </message>
    <message>
        <source>&amp;Kind:</source>
        <translation>类型(&amp;K)：</translation>
    </message>
    <message>
        <source>&amp;Priority:</source>
        <translation>优先级(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Copies:</source>
        <translation>份数(&amp;C)：</translation>
    </message>
    <message>
        <source>&amp;Tags:</source>
        <translation>标签(&amp;T)：</translation>
    </message>
    <message>
        <source>&amp;Submit</source>
        <translation>提交(&amp;S)</translation>
    </message>
    <message>
        <source>The input is not valid JSON: %1 (at character %2)</source>
        <translation>输入不是有效的 JSON：%1（位于第 %2 个字符）</translation>
    </message>
    <message>
        <source>The input must be a JSON object</source>
        <translation>输入必须是 JSON 对象</translation>
    </message>
    <message>
        <source>Enter the URL to call</source>
        <translation>请输入要调用的 URL</translation>
    </message>
    <message>
        <source>Enter a prompt</source>
        <translation>请输入提示词</translation>
    </message>
    <message>
        <source>%1 · 0 is the most urgent, 9 the least; high = 1, medium = 5, low = 8</source>
        <translation>%1 · 0 最紧急，9 最不紧急；高 = 1，中 = 5，低 = 8</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::TaskDetailDialog</name>
    <message>
        <source>Task %1</source>
        <translation>任务 %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>级别</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Cancel task</source>
        <translation>取消任务</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Copy ID</source>
        <translation>复制 ID</translation>
    </message>
    <message>
        <source>Could not load the task: %1</source>
        <translation>无法加载任务：%1</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; · model &lt;b&gt;%2&lt;/b&gt; · priority %3 · attempt %4 of %5</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; · 模型 &lt;b&gt;%2&lt;/b&gt; · 优先级 %3 · 第 %4/%5 次尝试</translation>
    </message>
    <message>
        <source>Created %1</source>
        <translation>创建于 %1</translation>
    </message>
    <message>
        <source>started %1</source>
        <translation>开始于 %1</translation>
    </message>
    <message>
        <source>took %1</source>
        <translation>耗时 %1</translation>
    </message>
    <message>
        <source>Tokens: %1 prompt + %2 completion · cost %3</source>
        <translation>令牌：提示 %1 + 补全 %2 · 成本 %3</translation>
    </message>
    <message>
        <source>Endpoint: %1</source>
        <translation>端点：%1</translation>
    </message>
    <message>
        <source>Tags: %1</source>
        <translation>标签：%1</translation>
    </message>
    <message>
        <source>(no output yet)</source>
        <translation>（尚无输出）</translation>
    </message>
    <message>
        <source>Labels: %1</source>
        <translation>标注：%1</translation>
    </message>
    <message>
        <source>Node: %1</source>
        <translation>节点：%1</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::TaskTableModel</name>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>耗时</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>端点</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>令牌数</translation>
    </message>
    <message>
        <source>Cost</source>
        <translation>成本</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Sort by ID, created time, model or state</source>
        <translation>按 ID、创建时间、模型或状态排序</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Labels</source>
        <translation>标注</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::TemplateEditor</name>
    <message>
        <source>New template</source>
        <translation>新建模板</translation>
    </message>
    <message>
        <source>New version of %1</source>
        <translation>%1 的新版本</translation>
    </message>
    <message>
        <source>A task</source>
        <translation>一个任务</translation>
    </message>
    <message>
        <source>A workflow</source>
        <translation>一个工作流</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>&amp;Makes:</source>
        <translation>生成(&amp;M)：</translation>
    </message>
    <message>
        <source>&amp;Description:</source>
        <translation>描述(&amp;D)：</translation>
    </message>
    <message>
        <source>Variables ({&quot;name&quot;: {&quot;type&quot;: &quot;string|integer|number|boolean&quot;, &quot;default&quot;: …}}):</source>
        <translation>变量（{&quot;name&quot;: {&quot;type&quot;: &quot;string|integer|number|boolean&quot;, &quot;default&quot;: …}}）：</translation>
    </message>
    <message>
        <source>Body (a task or workflow; strings may hold {{vars.name}}):</source>
        <translation>主体（任务或工作流；字符串中可使用 {{vars.name}}）：</translation>
    </message>
    <message>
        <source>The variables</source>
        <translation>变量</translation>
    </message>
    <message>
        <source>The body</source>
        <translation>主体</translation>
    </message>
    <message>
        <source>%1 is not JSON: %2 (at character %3)</source>
        <translation>%1不是有效的 JSON：%2（位于第 %3 个字符）</translation>
    </message>
    <message>
        <source>%1 must be a JSON object</source>
        <translation>%1必须是 JSON 对象</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::TemplateValuesDialog</name>
    <message>
        <source>Submit %1</source>
        <translation>提交 %1</translation>
    </message>
    <message>
        <source>required</source>
        <translation>必填</translation>
    </message>
    <message>
        <source>default: %1</source>
        <translation>默认：%1</translation>
    </message>
    <message>
        <source>This template has no variables.</source>
        <translation>此模板没有变量。</translation>
    </message>
    <message>
        <source>&amp;Submit</source>
        <translation>提交(&amp;S)</translation>
    </message>
    <message>
        <source>must be a whole number</source>
        <translation>必须是整数</translation>
    </message>
    <message>
        <source>must be a number</source>
        <translation>必须是数字</translation>
    </message>
    <message>
        <source>must be true or false</source>
        <translation>必须是 true 或 false</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::TemplatesPanel</name>
    <message>
        <source>workflow</source>
        <translation>工作流</translation>
    </message>
    <message>
        <source>task</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;New template…</source>
        <translation>新建模板(&amp;N)…</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>编辑(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Submit…</source>
        <translation>提交(&amp;S)…</translation>
    </message>
    <message>
        <source>Submit &amp;from file…</source>
        <translation>从文件提交(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>删除(&amp;D)</translation>
    </message>
    <message>
        <source>Submit</source>
        <translation>提交</translation>
    </message>
    <message>
        <source>Submit %1 once per row</source>
        <translation>为每一行提交一次 %1</translation>
    </message>
    <message>
        <source>Values (*.csv *.jsonl *.ndjson);;All files (*)</source>
        <translation>变量值 (*.csv *.jsonl *.ndjson);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Submit from file</source>
        <translation>从文件提交</translation>
    </message>
    <message>
        <source>When some rows are wrong, submit the others anyway? (No: submit nothing and list what is wrong.)</source>
        <translation>部分行有错误时，仍然提交其余的行吗？（选“否”：不提交任何内容，并列出错误。）</translation>
    </message>
    <message>
        <source>Delete template</source>
        <translation>删除模板</translation>
    </message>
    <message>
        <source>Delete the template %1 and all its versions?</source>
        <translation>要删除模板 %1 及其所有版本吗？</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Makes</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Variables</source>
        <translation>变量</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Cannot read the templates: %1</source>
        <translation>无法读取模板：%1</translation>
    </message>
    <message>
        <source>No templates yet. New template (Insert) saves a task or workflow with {{vars.name}} to fill in.</source>
        <translation>尚无模板。新建模板（Insert）可保存一个含待填写 {{vars.name}} 的任务或工作流。</translation>
    </message>
    <message>
        <source>Templates</source>
        <translation>模板</translation>
    </message>
    <message>
        <source>Save template</source>
        <translation>保存模板</translation>
    </message>
    <message>
        <source>Saved %1 version %2.</source>
        <translation>已保存 %1 的版本 %2。</translation>
    </message>
    <message>
        <source>Submit %1</source>
        <translation>提交 %1</translation>
    </message>
    <message>
        <source>Submitted workflow %1.</source>
        <translation>已提交工作流 %1。</translation>
    </message>
    <message>
        <source>Submitted task %1.</source>
        <translation>已提交任务 %1。</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
    <message>
        <source>%1 is %2; at most %3 are read.</source>
        <translation>%1 大小为 %2；最多读取 %3。</translation>
    </message>
    <message>
        <source>Submitting %1 once per row of %2…</source>
        <translation>正在为 %2 的每一行提交一次 %1…</translation>
    </message>
    <message>
        <source>row %1: %2</source>
        <translation>第 %1 行：%2</translation>
    </message>
    <message numerus="yes">
        <source>… and %n more</source>
        <translation>
            <numerusform>…另有 %n 行</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Nothing was submitted: %n row(s) are wrong.</source>
        <translation>
            <numerusform>未提交任何内容：%n 行有错误。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Submitted %n row(s) of %1.</source>
        <translation>
            <numerusform>已为 %n 行提交 %1。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n row(s) were wrong.</source>
        <translation>
            <numerusform>%n 行有错误。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>llmsched::ui::WebhookEditor</name>
    <message>
        <source>New webhook</source>
        <translation>新建 Webhook</translation>
    </message>
    <message>
        <source>Tasks and workflows that name it (label webhook)</source>
        <translation>指定它的任务和工作流（webhook 标注）</translation>
    </message>
    <message>
        <source>Everything</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>One model&apos;s tasks</source>
        <translation>某个模型的任务</translation>
    </message>
    <message>
        <source>One workflow</source>
        <translation>某个工作流</translation>
    </message>
    <message>
        <source>One schedule&apos;s runs</source>
        <translation>某个定时计划的运行</translation>
    </message>
    <message>
        <source>One task</source>
        <translation>某个任务</translation>
    </message>
    <message>
        <source>A task &amp;finished (succeeded, dead or cancelled)</source>
        <translation>任务结束（成功、死信或已取消）(&amp;F)</translation>
    </message>
    <message>
        <source>Every task &amp;state change</source>
        <translation>每次任务状态变化(&amp;S)</translation>
    </message>
    <message>
        <source>A &amp;workflow finished</source>
        <translation>工作流结束(&amp;W)</translation>
    </message>
    <message>
        <source>&amp;URL:</source>
        <translation>地址(&amp;U)：</translation>
    </message>
    <message>
        <source>&amp;Hears of:</source>
        <translation>监听范围(&amp;H)：</translation>
    </message>
    <message>
        <source>&amp;Target:</source>
        <translation>目标(&amp;T)：</translation>
    </message>
    <message>
        <source>Events:</source>
        <translation>事件：</translation>
    </message>
    <message>
        <source>&amp;Attempts:</source>
        <translation>尝试次数(&amp;A)：</translation>
    </message>
    <message>
        <source>&amp;Description:</source>
        <translation>描述(&amp;D)：</translation>
    </message>
    <message>
        <source>Each POST is signed (X-LLMSched-Signature, HMAC-SHA256); the secret is shown once, after saving.</source>
        <translation>每个 POST 请求都带有签名（X-LLMSched-Signature，HMAC-SHA256）；密钥仅在保存后显示一次。</translation>
    </message>
    <message>
        <source>the model&apos;s name</source>
        <translation>模型的名称</translation>
    </message>
    <message>
        <source>the workflow&apos;s id (wf_…)</source>
        <translation>工作流的 ID（wf_…）</translation>
    </message>
    <message>
        <source>the schedule&apos;s id (sch_…)</source>
        <translation>定时计划的 ID（sch_…）</translation>
    </message>
    <message>
        <source>the task&apos;s id</source>
        <translation>任务的 ID</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::WebhooksPanel</name>
    <message>
        <source>tasks and workflows naming it</source>
        <translation>指定它的任务和工作流</translation>
    </message>
    <message>
        <source>everything</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>model %1</source>
        <translation>模型 %1</translation>
    </message>
    <message>
        <source>workflow %1</source>
        <translation>工作流 %1</translation>
    </message>
    <message>
        <source>schedule %1</source>
        <translation>定时计划 %1</translation>
    </message>
    <message>
        <source>task %1</source>
        <translation>任务 %1</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>待投递</translation>
    </message>
    <message>
        <source>delivered</source>
        <translation>已投递</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;New webhook…</source>
        <translation>新建 Webhook(&amp;N)…</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>暂停(&amp;P)</translation>
    </message>
    <message>
        <source>P&amp;ing</source>
        <translation>测试投递(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>删除(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Redeliver</source>
        <translation>重新投递(&amp;R)</translation>
    </message>
    <message>
        <source>Delete webhook</source>
        <translation>删除 Webhook</translation>
    </message>
    <message>
        <source>Delete the webhook to %1? Nothing more is sent to it.</source>
        <translation>要删除发往 %1 的 Webhook 吗？之后不会再向它发送任何内容。</translation>
    </message>
    <message>
        <source>Redeliver</source>
        <translation>重新投递</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Hears of</source>
        <translation>监听范围</translation>
    </message>
    <message>
        <source>Events</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <source>All deliveries</source>
        <translation>全部投递</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>待投递</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>已投递</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>对象</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>响应</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最近错误</translation>
    </message>
    <message>
        <source>Next attempt</source>
        <translation>下次尝试</translation>
    </message>
    <message>
        <source>Deliveries of the selected webhook:</source>
        <translation>所选 Webhook 的投递：</translation>
    </message>
    <message>
        <source>Cannot read the webhooks: %1</source>
        <translation>无法读取 Webhook：%1</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>active</source>
        <translation>活动</translation>
    </message>
    <message numerus="yes">
        <source>%n webhook(s)</source>
        <translation>
            <numerusform>%n 个 Webhook</numerusform>
        </translation>
    </message>
    <message>
        <source>No webhooks yet. New webhook (Insert) POSTs signed results to a URL of yours.</source>
        <translation>尚无 Webhook。新建 Webhook（Insert）会将签名的结果 POST 到您指定的 URL。</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>恢复(&amp;R)</translation>
    </message>
    <message>
        <source>Webhooks</source>
        <translation>Webhook</translation>
    </message>
    <message>
        <source>New webhook</source>
        <translation>新建 Webhook</translation>
    </message>
    <message>
        <source>Webhook %1 created. Its signing secret, shown only now: &lt;b&gt;%2&lt;/b&gt;</source>
        <translation>已创建 Webhook %1。其签名密钥仅在此时显示：&lt;b&gt;%2&lt;/b&gt;</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::WorkflowGraphView</name>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>%1
Task: %2
Model: %3
State: %4</source>
        <translation>%1
任务：%2
模型：%3
状态：%4</translation>
    </message>
</context>
<context>
    <name>llmsched::ui::WorkflowsView</name>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>%1 / %2 succeeded</source>
        <translation>%1 / %2 成功</translation>
    </message>
    <message>
        <source>%1 failed or cancelled</source>
        <translation>%1 个失败或已取消</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Cancel workflow</source>
        <translation>取消工作流(&amp;C)</translation>
    </message>
    <message>
        <source>Cancel workflow</source>
        <translation>取消工作流</translation>
    </message>
    <message>
        <source>Cancel %1? Its tasks that have not ended are cancelled.</source>
        <translation>取消 %1？其尚未结束的任务将被取消。</translation>
    </message>
    <message>
        <source>&amp;Fit graph</source>
        <translation>使图适应窗口(&amp;F)</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>完成时间</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>&amp;Runs</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Schedules</source>
        <translation>定时计划(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Templates</source>
        <translation>模板(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Webhooks</source>
        <translation>Webhook(&amp;W)</translation>
    </message>
    <message>
        <source>Cannot read the workflows: %1</source>
        <translation>无法读取工作流：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n workflow(s)</source>
        <translation>
            <numerusform>%n 个工作流</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n running</source>
        <translation>
            <numerusform>%n 个运行中</numerusform>
        </translation>
    </message>
    <message>
        <source>No workflows yet. Submit one with POST /api/v1/workflows, from a template, or on a schedule.</source>
        <translation>尚无工作流。可通过 POST /api/v1/workflows、模板或定时计划提交。</translation>
    </message>
    <message>
        <source>Cannot read the graph of %1: %2</source>
        <translation>无法读取 %1 的图：%2</translation>
    </message>
</context>
</TS>
