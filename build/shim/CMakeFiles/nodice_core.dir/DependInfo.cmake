
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/shim/chacha.c" "shim/CMakeFiles/nodice_core.dir/chacha.c.o" "gcc" "shim/CMakeFiles/nodice_core.dir/chacha.c.o.d"
  "/work/main/shim/config.c" "shim/CMakeFiles/nodice_core.dir/config.c.o" "gcc" "shim/CMakeFiles/nodice_core.dir/config.c.o.d"
  "/work/main/shim/fmt.c" "shim/CMakeFiles/nodice_core.dir/fmt.c.o" "gcc" "shim/CMakeFiles/nodice_core.dir/fmt.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
