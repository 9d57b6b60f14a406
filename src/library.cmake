# librealm: the C++ core behind the C API (include/realm/realm.h).
set(REALM_CORE_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/transport/event_loop.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/transport/timer.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/transport/timer_heap.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/transport/ws_connection.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/transport/http_exchange.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/transport/http_socket.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/transport/tls_session.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/transport/connector.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/transport/tls_verify.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/error.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/options.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/backoff.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/event_queue.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/client.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/client_requests.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/client_connections.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/router.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/deadline_queue.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/request_index.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/retry_policy.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/link.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/http_link.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/option_table.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/env_config.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/log.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/core/token_estimate.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/capi/version_api.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/capi/error_api.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/capi/options_api.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/capi/client_api.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/capi/request_api.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/capi/batch_api.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/capi/log_api.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/capi/token_api.cpp
)

# Objects compiled once, linked into the shared and static libraries and the
# unit tests (which reach internal classes).
add_library(realm_core OBJECT ${REALM_CORE_SOURCES})
target_include_directories(realm_core PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}>)
target_link_libraries(realm_core PUBLIC PkgConfig::LWS OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
set_target_properties(realm_core PROPERTIES CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
# realm.h: REALM_API exports (dllexport on Windows) while building the library.
target_compile_definitions(realm_core PRIVATE REALM_BUILDING)

add_library(realm SHARED $<TARGET_OBJECTS:realm_core> $<TARGET_OBJECTS:realm_protocol_objects>)
target_include_directories(realm PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(realm PRIVATE PkgConfig::LWS OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
target_link_options(realm PRIVATE "-Wl,--version-script=${CMAKE_CURRENT_SOURCE_DIR}/realm.map" "-Wl,--no-undefined")
set_target_properties(realm PROPERTIES
  VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
  CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
  LINK_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/realm.map)
add_library(realm::realm ALIAS realm)

if(REALM_BUILD_STATIC)
  add_library(realm_static STATIC $<TARGET_OBJECTS:realm_core> $<TARGET_OBJECTS:realm_protocol_objects>)
  set_target_properties(realm_static PROPERTIES OUTPUT_NAME realm)
  target_include_directories(realm_static PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(realm_static PUBLIC PkgConfig::LWS OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
  # Consumers of the archive: REALM_API without import attributes (realm.h),
  # and the C++ runtime, which a C program's link does not bring (the
  # installed package's CMake config and realm.pc say the same).
  target_compile_definitions(realm_static INTERFACE REALM_STATIC)
  target_link_libraries(realm_static INTERFACE ${REALM_CXX_RUNTIME_LIBS})
  add_library(realm::realm_static ALIAS realm_static)
endif()
