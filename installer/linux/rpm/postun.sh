# %postun of the llm-scheduler .rpm: restart on upgrade. Data in
# /var/lib/llm-scheduler and the llm-scheduler user are kept on erase.
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -ge 1 ]; then
        systemctl try-restart llm-schedulerd.service >/dev/null 2>&1 || :
    fi
fi
exit 0
