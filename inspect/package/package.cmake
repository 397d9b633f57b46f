# The installed extras and the Debian package (issue 19): man pages (gzip -9n
# as Debian ships them), the package's copyright and changelog, and CPack's
# settings. `cpack -G DEB` in the build directory gives
# nodice_<version>_amd64.deb; its Depends are computed by dpkg-shlibdeps.

set(ND_MAN_PAGES docs/man/nodice.1 docs/man/nodice-env.7)
set(ND_MAN_GZ "")
foreach(page IN LISTS ND_MAN_PAGES)
  get_filename_component(name ${page} NAME)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${name})
  set(gz ${CMAKE_BINARY_DIR}/man/${name}.gz)
  add_custom_command(OUTPUT ${gz}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND gzip -9n -c ${PROJECT_SOURCE_DIR}/${page} > ${gz}
    DEPENDS ${PROJECT_SOURCE_DIR}/${page} VERBATIM)
  list(APPEND ND_MAN_GZ ${gz})
  install(FILES ${gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
set(ND_CHANGELOG_GZ ${CMAKE_BINARY_DIR}/package/changelog.gz)
add_custom_command(OUTPUT ${ND_CHANGELOG_GZ}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/package
  COMMAND gzip -9n -c ${PROJECT_SOURCE_DIR}/inspect/package/changelog > ${ND_CHANGELOG_GZ}
  DEPENDS ${PROJECT_SOURCE_DIR}/inspect/package/changelog VERBATIM)
add_custom_target(nodice_docs ALL DEPENDS ${ND_MAN_GZ} ${ND_CHANGELOG_GZ})
install(FILES ${ND_CHANGELOG_GZ} inspect/package/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME nodice)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "nodice developers <maintainers@users.noreply.h-seed-7acb7aaf.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "deterministic execution of unmodified Linux programs")
# CPack puts the summary first; this is the extended description after it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "nodice runs a program so that it gives the same result on every run: time,
getrandom, /dev/urandom, the libc generators, CPU counts, process ids, file
times, threads and processes are fed from streams derived from one seed and
ordered deterministically, through a preload library, without ptrace or
containers. The nodice command runs programs under it, inspects what they
draw, audits binaries and gates CI on reproducibility.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libunwind is loaded with dlopen (shim/CMakeLists.txt), which dpkg-shlibdeps
# cannot see: its package is the one that ships the library the build found,
# asked of dpkg, and joins the computed list. Without it inspect loses every
# call site on a machine that lacks the library.
execute_process(COMMAND dpkg-query -S ${ND_UNWIND_REAL}
  OUTPUT_VARIABLE nd_unwind_owner ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REGEX REPLACE ":.*" "" nd_unwind_package "${nd_unwind_owner}")
if(nd_unwind_package)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS ${nd_unwind_package})
else()
  message(WARNING "no package owns ${ND_UNWIND_REAL}: the .deb will not depend on libunwind")
endif()
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_STRIP_FILES ON)
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR}/package)
include(CPack)
