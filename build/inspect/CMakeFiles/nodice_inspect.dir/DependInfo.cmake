
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/inspect/artifacts.c" "inspect/CMakeFiles/nodice_inspect.dir/artifacts.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/artifacts.c.o.d"
  "/work/main/inspect/audit.c" "inspect/CMakeFiles/nodice_inspect.dir/audit.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/audit.c.o.d"
  "/work/main/inspect/cli.c" "inspect/CMakeFiles/nodice_inspect.dir/cli.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/cli.c.o.d"
  "/work/main/inspect/compare.c" "inspect/CMakeFiles/nodice_inspect.dir/compare.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/compare.c.o.d"
  "/work/main/inspect/inspect.c" "inspect/CMakeFiles/nodice_inspect.dir/inspect.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/inspect.c.o.d"
  "/work/main/inspect/junit.c" "inspect/CMakeFiles/nodice_inspect.dir/junit.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/junit.c.o.d"
  "/work/main/inspect/logdiff.c" "inspect/CMakeFiles/nodice_inspect.dir/logdiff.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/logdiff.c.o.d"
  "/work/main/inspect/logread.c" "inspect/CMakeFiles/nodice_inspect.dir/logread.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/logread.c.o.d"
  "/work/main/inspect/manifest.c" "inspect/CMakeFiles/nodice_inspect.dir/manifest.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/manifest.c.o.d"
  "/work/main/inspect/object.c" "inspect/CMakeFiles/nodice_inspect.dir/object.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/object.c.o.d"
  "/work/main/inspect/pidns.c" "inspect/CMakeFiles/nodice_inspect.dir/pidns.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/pidns.c.o.d"
  "/work/main/inspect/report.c" "inspect/CMakeFiles/nodice_inspect.dir/report.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/report.c.o.d"
  "/work/main/inspect/resolve.c" "inspect/CMakeFiles/nodice_inspect.dir/resolve.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/resolve.c.o.d"
  "/work/main/inspect/run.c" "inspect/CMakeFiles/nodice_inspect.dir/run.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/run.c.o.d"
  "/work/main/inspect/sources.c" "inspect/CMakeFiles/nodice_inspect.dir/sources.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/sources.c.o.d"
  "/work/main/inspect/verify.c" "inspect/CMakeFiles/nodice_inspect.dir/verify.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/verify.c.o.d"
  "/work/main/inspect/x86.c" "inspect/CMakeFiles/nodice_inspect.dir/x86.c.o" "gcc" "inspect/CMakeFiles/nodice_inspect.dir/x86.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/shim/CMakeFiles/nodice_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
