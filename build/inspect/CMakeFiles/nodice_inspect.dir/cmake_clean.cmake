file(REMOVE_RECURSE
  "CMakeFiles/nodice_inspect.dir/audit.c.o"
  "CMakeFiles/nodice_inspect.dir/audit.c.o.d"
  "CMakeFiles/nodice_inspect.dir/cli.c.o"
  "CMakeFiles/nodice_inspect.dir/cli.c.o.d"
  "CMakeFiles/nodice_inspect.dir/inspect.c.o"
  "CMakeFiles/nodice_inspect.dir/inspect.c.o.d"
  "CMakeFiles/nodice_inspect.dir/logread.c.o"
  "CMakeFiles/nodice_inspect.dir/logread.c.o.d"
  "CMakeFiles/nodice_inspect.dir/object.c.o"
  "CMakeFiles/nodice_inspect.dir/object.c.o.d"
  "CMakeFiles/nodice_inspect.dir/report.c.o"
  "CMakeFiles/nodice_inspect.dir/report.c.o.d"
  "CMakeFiles/nodice_inspect.dir/resolve.c.o"
  "CMakeFiles/nodice_inspect.dir/resolve.c.o.d"
  "CMakeFiles/nodice_inspect.dir/run.c.o"
  "CMakeFiles/nodice_inspect.dir/run.c.o.d"
  "CMakeFiles/nodice_inspect.dir/sources.c.o"
  "CMakeFiles/nodice_inspect.dir/sources.c.o.d"
  "CMakeFiles/nodice_inspect.dir/x86.c.o"
  "CMakeFiles/nodice_inspect.dir/x86.c.o.d"
  "libnodice_inspect.a"
  "libnodice_inspect.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/nodice_inspect.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
