# %post of the llm-scheduler .rpm: the state directory (never shipped, so never
# removed with the package), then the distribution's preset decides whether the
# service is enabled, as %systemd_post does. Nothing is started in containers.
if [ ! -d /var/lib/llm-scheduler ]; then
    mkdir -p /var/lib/llm-scheduler
    chown llm-scheduler:llm-scheduler /var/lib/llm-scheduler
    chmod 0750 /var/lib/llm-scheduler
fi
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -eq 1 ]; then
        systemctl --no-reload preset llm-schedulerd.service >/dev/null 2>&1 || :
    fi
fi
exit 0
