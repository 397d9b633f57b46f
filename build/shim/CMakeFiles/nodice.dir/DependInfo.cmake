
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/shim/aslr.c" "shim/CMakeFiles/nodice.dir/aslr.c.o" "gcc" "shim/CMakeFiles/nodice.dir/aslr.c.o.d"
  "/work/main/shim/auxv.c" "shim/CMakeFiles/nodice.dir/auxv.c.o" "gcc" "shim/CMakeFiles/nodice.dir/auxv.c.o.d"
  "/work/main/shim/chacha.c" "shim/CMakeFiles/nodice.dir/chacha.c.o" "gcc" "shim/CMakeFiles/nodice.dir/chacha.c.o.d"
  "/work/main/shim/clock.c" "shim/CMakeFiles/nodice.dir/clock.c.o" "gcc" "shim/CMakeFiles/nodice.dir/clock.c.o.d"
  "/work/main/shim/config.c" "shim/CMakeFiles/nodice.dir/config.c.o" "gcc" "shim/CMakeFiles/nodice.dir/config.c.o.d"
  "/work/main/shim/cpu.c" "shim/CMakeFiles/nodice.dir/cpu.c.o" "gcc" "shim/CMakeFiles/nodice.dir/cpu.c.o.d"
  "/work/main/shim/cpuid.c" "shim/CMakeFiles/nodice.dir/cpuid.c.o" "gcc" "shim/CMakeFiles/nodice.dir/cpuid.c.o.d"
  "/work/main/shim/devices.c" "shim/CMakeFiles/nodice.dir/devices.c.o" "gcc" "shim/CMakeFiles/nodice.dir/devices.c.o.d"
  "/work/main/shim/dirs.c" "shim/CMakeFiles/nodice.dir/dirs.c.o" "gcc" "shim/CMakeFiles/nodice.dir/dirs.c.o.d"
  "/work/main/shim/dispatch.c" "shim/CMakeFiles/nodice.dir/dispatch.c.o" "gcc" "shim/CMakeFiles/nodice.dir/dispatch.c.o.d"
  "/work/main/shim/exec.c" "shim/CMakeFiles/nodice.dir/exec.c.o" "gcc" "shim/CMakeFiles/nodice.dir/exec.c.o.d"
  "/work/main/shim/fmt.c" "shim/CMakeFiles/nodice.dir/fmt.c.o" "gcc" "shim/CMakeFiles/nodice.dir/fmt.c.o.d"
  "/work/main/shim/init.c" "shim/CMakeFiles/nodice.dir/init.c.o" "gcc" "shim/CMakeFiles/nodice.dir/init.c.o.d"
  "/work/main/shim/io.c" "shim/CMakeFiles/nodice.dir/io.c.o" "gcc" "shim/CMakeFiles/nodice.dir/io.c.o.d"
  "/work/main/shim/log.c" "shim/CMakeFiles/nodice.dir/log.c.o" "gcc" "shim/CMakeFiles/nodice.dir/log.c.o.d"
  "/work/main/shim/maps.c" "shim/CMakeFiles/nodice.dir/maps.c.o" "gcc" "shim/CMakeFiles/nodice.dir/maps.c.o.d"
  "/work/main/shim/prng.c" "shim/CMakeFiles/nodice.dir/prng.c.o" "gcc" "shim/CMakeFiles/nodice.dir/prng.c.o.d"
  "/work/main/shim/process.c" "shim/CMakeFiles/nodice.dir/process.c.o" "gcc" "shim/CMakeFiles/nodice.dir/process.c.o.d"
  "/work/main/shim/random.c" "shim/CMakeFiles/nodice.dir/random.c.o" "gcc" "shim/CMakeFiles/nodice.dir/random.c.o.d"
  "/work/main/shim/real.c" "shim/CMakeFiles/nodice.dir/real.c.o" "gcc" "shim/CMakeFiles/nodice.dir/real.c.o.d"
  "/work/main/shim/reported.c" "shim/CMakeFiles/nodice.dir/reported.c.o" "gcc" "shim/CMakeFiles/nodice.dir/reported.c.o.d"
  "/work/main/shim/signals.c" "shim/CMakeFiles/nodice.dir/signals.c.o" "gcc" "shim/CMakeFiles/nodice.dir/signals.c.o.d"
  "/work/main/shim/sites.c" "shim/CMakeFiles/nodice.dir/sites.c.o" "gcc" "shim/CMakeFiles/nodice.dir/sites.c.o.d"
  "/work/main/shim/sleep.c" "shim/CMakeFiles/nodice.dir/sleep.c.o" "gcc" "shim/CMakeFiles/nodice.dir/sleep.c.o.d"
  "/work/main/shim/stdcxx.c" "shim/CMakeFiles/nodice.dir/stdcxx.c.o" "gcc" "shim/CMakeFiles/nodice.dir/stdcxx.c.o.d"
  "/work/main/shim/stdio.c" "shim/CMakeFiles/nodice.dir/stdio.c.o" "gcc" "shim/CMakeFiles/nodice.dir/stdio.c.o.d"
  "/work/main/shim/stream.c" "shim/CMakeFiles/nodice.dir/stream.c.o" "gcc" "shim/CMakeFiles/nodice.dir/stream.c.o.d"
  "/work/main/shim/syscall.c" "shim/CMakeFiles/nodice.dir/syscall.c.o" "gcc" "shim/CMakeFiles/nodice.dir/syscall.c.o.d"
  "/work/main/shim/target.c" "shim/CMakeFiles/nodice.dir/target.c.o" "gcc" "shim/CMakeFiles/nodice.dir/target.c.o.d"
  "/work/main/shim/tempname.c" "shim/CMakeFiles/nodice.dir/tempname.c.o" "gcc" "shim/CMakeFiles/nodice.dir/tempname.c.o.d"
  "/work/main/shim/threads.c" "shim/CMakeFiles/nodice.dir/threads.c.o" "gcc" "shim/CMakeFiles/nodice.dir/threads.c.o.d"
  "/work/main/shim/tsc.c" "shim/CMakeFiles/nodice.dir/tsc.c.o" "gcc" "shim/CMakeFiles/nodice.dir/tsc.c.o.d"
  "/work/main/shim/vclock.c" "shim/CMakeFiles/nodice.dir/vclock.c.o" "gcc" "shim/CMakeFiles/nodice.dir/vclock.c.o.d"
  "/work/main/shim/vdso.c" "shim/CMakeFiles/nodice.dir/vdso.c.o" "gcc" "shim/CMakeFiles/nodice.dir/vdso.c.o.d"
  "/work/main/shim/wait.c" "shim/CMakeFiles/nodice.dir/wait.c.o" "gcc" "shim/CMakeFiles/nodice.dir/wait.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
