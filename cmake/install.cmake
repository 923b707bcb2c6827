# What `cmake --install` lays out besides the binaries (app/CMakeLists.txt
# installs those), per platform. The files themselves live in installer/linux,
# installer/windows and installer/macos; packaging.cmake turns the result into
# packages. Everything about the GUI is guarded by `if(TARGET llm-scheduler)`
# so the headless build (LLMSCHED_GUI=OFF) installs and packages the daemon.
#
# Linux (prefix /usr; /usr/local and others work the same):
#   bin/llm-schedulerd, bin/llm-scheduler
#   share/applications/<app id>.desktop, share/metainfo/<app id>.metainfo.xml,
#   share/icons/hicolor/{16x16..512x512,scalable}/apps/llm-scheduler.{png,svg}
#   share/man/man1/llm-schedulerd.1.gz, llm-scheduler.1.gz
#   share/doc/<package>/copyright, changelog.gz
#   lib/systemd/system/llm-schedulerd.service, lib/sysusers.d/llm-scheduler.conf
#   /etc/llm-scheduler/config.json (<prefix>/etc unless the prefix is /usr)
# The GUI's translations are compiled into the binary (qt_add_translations), so
# none are installed.

# Reverse-DNS id of the desktop application: names the desktop entry and the
# AppStream metadata, and is the macOS bundle identifier.
set(LLMSCHED_APP_ID "io.github.llm_scheduler.LLMScheduler")
# Sizes of the committed PNG renders in resources/icons (render.sh makes them).
set(LLMSCHED_ICON_SIZES 16 22 24 32 48 64 128 256 512)
# One package holds both binaries; a headless build packages the daemon alone
# under its own name (as qbittorrent-nox does), conflicting with the full one.
if(TARGET llm-scheduler)
    set(LLMSCHED_PACKAGE_NAME "llm-scheduler")
    set(LLMSCHED_OTHER_PACKAGE_NAME "llm-schedulerd")
else()
    set(LLMSCHED_PACKAGE_NAME "llm-schedulerd")
    set(LLMSCHED_OTHER_PACKAGE_NAME "llm-scheduler")
endif()

set(_llmsched_installer "${PROJECT_SOURCE_DIR}/installer")
set(_llmsched_icons "${PROJECT_SOURCE_DIR}/resources/icons")
set(_llmsched_gen "${PROJECT_BINARY_DIR}/installer")

if(UNIX AND NOT APPLE)
    set(_linux "${_llmsched_installer}/linux")
    # Not CMAKE_INSTALL_LIBDIR, which may be lib64 or lib/<triplet>: systemd
    # reads units from <prefix>/lib/systemd/system (/usr and /usr/local).
    set(LLMSCHED_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
        "Where the systemd unit is installed, relative to the prefix")

    if(TARGET llm-scheduler)
        install(FILES "${_linux}/${LLMSCHED_APP_ID}.desktop" DESTINATION "${CMAKE_INSTALL_DATADIR}/applications")
        install(FILES "${_linux}/${LLMSCHED_APP_ID}.metainfo.xml" DESTINATION "${CMAKE_INSTALL_DATADIR}/metainfo")
        foreach(size IN LISTS LLMSCHED_ICON_SIZES)
            install(FILES "${_llmsched_icons}/llm-scheduler-${size}.png"
                DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps" RENAME llm-scheduler.png)
        endforeach()
        install(FILES "${_llmsched_icons}/llm-scheduler.svg" DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps")
    endif()

    # Man pages and the changelog are compressed reproducibly (gzip -9n), as
    # Debian wants them; without gzip they are installed as they are.
    set(_man_pages llm-schedulerd.1)
    if(TARGET llm-scheduler)
        list(APPEND _man_pages llm-scheduler.1)
    endif()
    find_program(LLMSCHED_GZIP gzip)
    set(_compressed)
    foreach(file IN LISTS _man_pages ITEMS changelog)
        if(LLMSCHED_GZIP)
            add_custom_command(OUTPUT "${_llmsched_gen}/${file}.gz"
                COMMAND "${CMAKE_COMMAND}" -E copy "${_linux}/${file}" "${_llmsched_gen}/${file}"
                COMMAND "${LLMSCHED_GZIP}" -9nf "${_llmsched_gen}/${file}"
                DEPENDS "${_linux}/${file}"
                COMMENT "Compressing ${file}" VERBATIM)
            list(APPEND _compressed "${_llmsched_gen}/${file}.gz")
            set(_installed_${file} "${_llmsched_gen}/${file}.gz")
        else()
            set(_installed_${file} "${_linux}/${file}")
        endif()
    endforeach()
    add_custom_target(llmsched_dist_files ALL DEPENDS ${_compressed})
    foreach(page IN LISTS _man_pages)
        install(FILES "${_installed_${page}}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
    endforeach()
    set(_docdir "${CMAKE_INSTALL_DATADIR}/doc/${LLMSCHED_PACKAGE_NAME}")
    install(FILES "${_linux}/copyright" "${_installed_changelog}" DESTINATION "${_docdir}")

    install(FILES "${_linux}/llm-scheduler.sysusers" DESTINATION "lib/sysusers.d" RENAME llm-scheduler.conf)
    # The config and the unit depend on the prefix the files finally live
    # under, which only install time knows (CPack's DEB and RPM install to /usr
    # through DESTDIR): installer/linux/install-system-files.cmake does them.
    install(CODE "
        set(LLMSCHED_LINUX_DIR \"${_linux}\")
        set(LLMSCHED_GEN_DIR \"${_llmsched_gen}\")
        set(LLMSCHED_UNIT_DIR \"${LLMSCHED_SYSTEMD_UNITDIR}\")
        set(LLMSCHED_BIN_DIR \"${CMAKE_INSTALL_BINDIR}\")
    ")
    install(SCRIPT "${_linux}/install-system-files.cmake")

elseif(WIN32)
    # Version information and the icon in both executables' resources.
    enable_language(RC)
    string(REPLACE "." "," LLMSCHED_RC_VERSION "${PROJECT_VERSION}.0")
    set(_rc_targets llm-schedulerd)
    if(TARGET llm-scheduler)
        list(APPEND _rc_targets llm-scheduler)
    endif()
    foreach(target IN LISTS _rc_targets)
        if(target STREQUAL "llm-scheduler")
            set(LLMSCHED_RC_DESCRIPTION "LLM Scheduler")
        else()
            set(LLMSCHED_RC_DESCRIPTION "LLM Scheduler daemon")
        endif()
        set(LLMSCHED_RC_FILENAME "${target}.exe")
        set(LLMSCHED_RC_ICON "${_llmsched_installer}/windows/llm-scheduler.ico")
        configure_file("${_llmsched_installer}/windows/llm-scheduler.rc.in" "${_llmsched_gen}/${target}.rc" @ONLY)
        target_sources(${target} PRIVATE "${_llmsched_gen}/${target}.rc")
    endforeach()

    # Qt's DLLs and plugins (windeployqt) next to the executables in bin/. The
    # GUI links everything the daemon does, so deploying it covers both.
    if(TARGET llm-scheduler)
        set(_deploy_target llm-scheduler)
    else()
        set(_deploy_target llm-schedulerd)
    endif()
    if(Qt6_VERSION VERSION_GREATER_EQUAL 6.5)
        qt_generate_deploy_app_script(TARGET ${_deploy_target} OUTPUT_SCRIPT _deploy_script NO_UNSUPPORTED_PLATFORM_ERROR)
    else()
        qt_generate_deploy_app_script(TARGET ${_deploy_target} FILENAME_VARIABLE _deploy_script NO_UNSUPPORTED_PLATFORM_ERROR)
    endif()
    install(SCRIPT "${_deploy_script}")
    # windeployqt copies Qt's own DLLs only: add QCoro and QtKeychain.
    foreach(dep IN ITEMS QCoro6::Core QCoro6::Network Qt6Keychain::Qt6Keychain)
        get_target_property(_aliased ${dep} ALIASED_TARGET)
        if(_aliased)
            set(dep ${_aliased})
        endif()
        get_target_property(_type ${dep} TYPE)
        if(_type STREQUAL "SHARED_LIBRARY")
            install(IMPORTED_RUNTIME_ARTIFACTS ${dep} RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" LIBRARY DESTINATION "${CMAKE_INSTALL_BINDIR}")
        endif()
    endforeach()

elseif(APPLE)
    if(TARGET llm-scheduler)
        # The bundle: Info.plist with id, version and icon; the daemon goes
        # into Contents/MacOS beside the GUI (app/CMakeLists.txt) so both use
        # the frameworks deployed into the bundle.
        set(_icns "${_llmsched_installer}/macos/llm-scheduler.icns")
        target_sources(llm-scheduler PRIVATE "${_icns}")
        set_source_files_properties("${_icns}" TARGET_DIRECTORY llm-scheduler PROPERTIES MACOSX_PACKAGE_LOCATION Resources)
        string(TIMESTAMP _year "%Y" UTC)
        set_target_properties(llm-scheduler PROPERTIES
            MACOSX_BUNDLE_INFO_PLIST "${_llmsched_installer}/macos/Info.plist.in"
            MACOSX_BUNDLE_GUI_IDENTIFIER "${LLMSCHED_APP_ID}"
            MACOSX_BUNDLE_BUNDLE_NAME "LLM Scheduler"
            MACOSX_BUNDLE_BUNDLE_VERSION "${PROJECT_VERSION}"
            MACOSX_BUNDLE_SHORT_VERSION_STRING "${PROJECT_VERSION}"
            MACOSX_BUNDLE_LONG_VERSION_STRING "${PROJECT_VERSION}"
            MACOSX_BUNDLE_ICON_FILE "llm-scheduler.icns"
            MACOSX_BUNDLE_COPYRIGHT "© ${_year} LLM Scheduler developers, Apache-2.0")
        # macdeployqt over the bundle, the daemon included. This is what the
        # script of qt_generate_deploy_app_script runs, plus the daemon as an
        # additional executable, which that function cannot be told about.
        set(_deploy_script "${_llmsched_gen}/deploy-macos.cmake")
        file(GENERATE OUTPUT "${_deploy_script}" CONTENT "include(\"${QT_DEPLOY_SUPPORT}\")
qt_deploy_runtime_dependencies(
    EXECUTABLE \"$<TARGET_FILE_NAME:llm-scheduler>.app\"
    ADDITIONAL_EXECUTABLES \"$<TARGET_FILE_NAME:llm-scheduler>.app/Contents/MacOS/$<TARGET_FILE_NAME:llm-schedulerd>\")
")
        install(SCRIPT "${_deploy_script}")
    endif()
endif()
