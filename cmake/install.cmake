# cmake --install: the header, the libraries, a pkg-config file and a CMake
# package config so that `find_package(realm)` gives the target realm::realm.
include(CMakePackageConfigHelpers)

install(FILES ${PROJECT_SOURCE_DIR}/include/realm/realm.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/realm)
install(TARGETS realm EXPORT realmTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(REALM_BUILD_STATIC)
  install(TARGETS realm_static ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
install(EXPORT realmTargets NAMESPACE realm:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/realm)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/realmConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/realmConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/realm)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/realmConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/realmConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/realmConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/realm)

configure_file(${PROJECT_SOURCE_DIR}/cmake/realm.pc.in ${CMAKE_CURRENT_BINARY_DIR}/realm.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/realm.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
