
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/tests/shim/test_faults.c" "tests/CMakeFiles/test_faults.dir/shim/test_faults.c.o" "gcc" "tests/CMakeFiles/test_faults.dir/shim/test_faults.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/inspect/CMakeFiles/nodice_inspect.dir/DependInfo.cmake"
  "/work/main/build/tests/CMakeFiles/nd_test_support.dir/DependInfo.cmake"
  "/work/main/build/shim/CMakeFiles/nodice_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
