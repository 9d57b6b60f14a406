# cmake --install: the header, the libraries, a pkg-config file and a CMake
# package config, so that `find_package(realm)` gives realm::realm (shared)
# and realm::realm_static (the archive), and `pkg-config [--static] realm`
# gives the flags for either. Everything here is in the component `realm`
# (cmake --install BUILD --component realm installs the library alone).
include(CMakePackageConfigHelpers)

install(FILES ${PROJECT_SOURCE_DIR}/include/realm/realm.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/realm COMPONENT realm)
install(TARGETS realm EXPORT realmTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT realm
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT realm
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT realm
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT realmTargets NAMESPACE realm::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/realm COMPONENT realm)
# The archive gets its own export file: its link interface names
# libwebsockets, OpenSSL and Threads, which realmConfig.cmake looks for only
# to define realm::realm_static, so that users of the shared library need
# none of their -dev packages.
if(REALM_BUILD_STATIC)
  install(TARGETS realm_static EXPORT realmStaticTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT realm)
  install(EXPORT realmStaticTargets NAMESPACE realm::
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/realm COMPONENT realm)
endif()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/realmConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/realmConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/realm)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/realmConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/realmConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/realmConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/realm COMPONENT realm)

# realm.pc is relocatable: the prefix is found from the file's own place
# (${pcfiledir}), however deep the libdir is (lib, lib64, lib/<multiarch>).
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(REALM_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(REALM_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH _realm_pc_up "/_p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/_p")
  string(REGEX REPLACE "/$" "" _realm_pc_up "${_realm_pc_up}")
  set(REALM_PC_PREFIX "\${pcfiledir}/${_realm_pc_up}")
  set(REALM_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(REALM_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(REALM_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
# Libs.private: what librealm.a needs besides the Requires.private packages:
# the C++ runtime (a C program's link does not add it) and threads.
set(REALM_PC_LIBS_PRIVATE "")
foreach(_lib IN LISTS REALM_CXX_RUNTIME_LIBS)
  if(_lib MATCHES "^-")
    string(APPEND REALM_PC_LIBS_PRIVATE " ${_lib}")
  else()
    string(APPEND REALM_PC_LIBS_PRIVATE " -l${_lib}")
  endif()
endforeach()
if(CMAKE_THREAD_LIBS_INIT)
  string(APPEND REALM_PC_LIBS_PRIVATE " ${CMAKE_THREAD_LIBS_INIT}")
else()
  string(APPEND REALM_PC_LIBS_PRIVATE " -pthread")
endif()
string(STRIP "${REALM_PC_LIBS_PRIVATE}" REALM_PC_LIBS_PRIVATE)
configure_file(${PROJECT_SOURCE_DIR}/cmake/realm.pc.in ${CMAKE_CURRENT_BINARY_DIR}/realm.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/realm.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT realm)
