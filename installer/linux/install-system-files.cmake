# Run by `cmake --install` (cmake/install.cmake sets the LLMSCHED_* variables
# below): installs the two files whose place or content depends on the prefix
# the installation finally lives under, which only install time knows.
#   - config.json into /etc/llm-scheduler when that prefix is /usr, else into
#     <prefix>/etc/llm-scheduler (the GNUInstallDirs rule for SYSCONFDIR);
#   - llm-schedulerd.service, whose ExecStart and --config name those paths.
# CPack's DEB and RPM install with DESTDIR and the prefix /usr, so the prefix
# is CMAKE_INSTALL_PREFIX. Its TGZ installs into a staging directory and sets
# LLMSCHED_RUNTIME_PREFIX (cmake/packaging.cmake) to the prefix the archive is
# meant to be unpacked into.
# In: LLMSCHED_LINUX_DIR, LLMSCHED_GEN_DIR, LLMSCHED_UNIT_DIR, LLMSCHED_BIN_DIR.

if(NOT "$ENV{LLMSCHED_RUNTIME_PREFIX}" STREQUAL "")
    set(_runtime_prefix "$ENV{LLMSCHED_RUNTIME_PREFIX}")
else()
    set(_runtime_prefix "${CMAKE_INSTALL_PREFIX}")
endif()

function(_llmsched_sysconfdir prefix out)
    if(prefix STREQUAL "/usr")
        set(${out} "/etc" PARENT_SCOPE)
    else()
        set(${out} "${prefix}/etc" PARENT_SCOPE)
    endif()
endfunction()

_llmsched_sysconfdir("${CMAKE_INSTALL_PREFIX}" _etc)
_llmsched_sysconfdir("${_runtime_prefix}" _runtime_etc)

# file(INSTALL) puts DESTDIR in front of absolute destinations itself.
file(INSTALL DESTINATION "${_etc}/llm-scheduler" TYPE FILE
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
    FILES "${LLMSCHED_LINUX_DIR}/config.json")

set(LLMSCHED_BINDIR "${_runtime_prefix}/${LLMSCHED_BIN_DIR}")
set(LLMSCHED_CONFIG_DIR "${_runtime_etc}/llm-scheduler")
configure_file("${LLMSCHED_LINUX_DIR}/llm-schedulerd.service.in" "${LLMSCHED_GEN_DIR}/llm-schedulerd.service" @ONLY)
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/${LLMSCHED_UNIT_DIR}" TYPE FILE
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
    FILES "${LLMSCHED_GEN_DIR}/llm-schedulerd.service")
