# %pre of the llm-scheduler .rpm: the system user the service runs as.
getent group llm-scheduler >/dev/null || groupadd -r llm-scheduler
getent passwd llm-scheduler >/dev/null || \
    useradd -r -g llm-scheduler -d /var/lib/llm-scheduler -M -s /sbin/nologin \
        -c "LLM Scheduler daemon" llm-scheduler
exit 0
