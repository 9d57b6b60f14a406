# realm_link_self_contained(TARGET VERSION_SCRIPT): links the core into a
# binding module together with static libwebsockets, OpenSSL, libcap and zlib
# (Debian's archives), for the binaries of the packages: the Node prebuilt
# (REALM_NODE_SELF_CONTAINED) and the manylinux wheel
# (REALM_PYTHON_SELF_CONTAINED). The module then needs only glibc, libstdc++
# and libgcc_s.
# - The core's objects are linked without realm_static's link interface, which
#   names the shared libwebsockets and OpenSSL. Debian's libwebsockets.pc lists
#   only -lcap in its static libs, so the archive's other dependencies (nm -u:
#   OpenSSL, zlib, dlopen) are named here.
# - Debian's libwebsockets.a is PIE, not PIC: bindings/common/stdio_shim.c
#   supplies the three data symbols it reaches (stdin, stdout, stderr).
# - The version script exports the host's entry points alone, so the private
#   OpenSSL neither interposes on nor is interposed by the host's (Node's own,
#   Python's ssl module).
# - -z nodelete: the static OpenSSL registers atexit and thread-exit handlers
#   that live in the module (Node unloads an addon when the last worker that
#   loaded it ends): it must stay mapped.
# - The C++ runtime stays shared: Debian 12's static libstdc++/libgcc would
#   raise the glibc needed from 2.34 to 2.36 (arc4random, _dl_find_object).
function(realm_link_self_contained target version_script)
  if(NOT TARGET realm_self_contained_core)
    add_library(realm_self_contained_core STATIC $<TARGET_OBJECTS:realm_core> $<TARGET_OBJECTS:realm_protocol_objects>)
  endif()
  set(archives)
  foreach(lib websockets cap ssl crypto z)
    find_library(REALM_STATIC_ARCHIVE_${lib} NAMES lib${lib}.a)
    if(NOT REALM_STATIC_ARCHIVE_${lib})
      message(FATAL_ERROR "a self-contained ${target} needs lib${lib}.a (Debian: libwebsockets-dev, libcap-dev, libssl-dev, zlib1g-dev)")
    endif()
    list(APPEND archives ${REALM_STATIC_ARCHIVE_${lib}})
  endforeach()
  target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/bindings/common/stdio_shim.c)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_compile_definitions(${target} PRIVATE REALM_STATIC)  # what realm_static's users get
  target_link_libraries(${target} PRIVATE realm_self_contained_core ${archives} Threads::Threads ${CMAKE_DL_LIBS})
  target_link_options(${target} PRIVATE "-Wl,--version-script=${version_script}" "-Wl,-z,nodelete")
  set_target_properties(${target} PROPERTIES LINK_DEPENDS ${version_script})
endfunction()
