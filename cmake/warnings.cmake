# Project-wide compiler settings shared by every target through llmsched_settings.
add_library(llmsched_settings INTERFACE)
target_compile_options(llmsched_settings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
    -Wformat=2 -Wimplicit-fallthrough)
if(LLMSCHED_WERROR)
    target_compile_options(llmsched_settings INTERFACE -Werror)
endif()
target_compile_definitions(llmsched_settings INTERFACE
    QT_NO_CAST_FROM_ASCII QT_NO_URL_CAST_FROM_STRING QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_USE_QSTRINGBUILDER
    LLMSCHED_VERSION="${PROJECT_VERSION}")
if(LLMSCHED_SANITIZE)
    target_compile_options(llmsched_settings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(llmsched_settings INTERFACE -fsanitize=address,undefined)
endif()
