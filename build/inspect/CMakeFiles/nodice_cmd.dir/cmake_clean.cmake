file(REMOVE_RECURSE
  "../bin/nodice"
  "../bin/nodice.pdb"
  "CMakeFiles/nodice_cmd.dir/audit.c.o"
  "CMakeFiles/nodice_cmd.dir/audit.c.o.d"
  "CMakeFiles/nodice_cmd.dir/cli.c.o"
  "CMakeFiles/nodice_cmd.dir/cli.c.o.d"
  "CMakeFiles/nodice_cmd.dir/main.c.o"
  "CMakeFiles/nodice_cmd.dir/main.c.o.d"
  "CMakeFiles/nodice_cmd.dir/object.c.o"
  "CMakeFiles/nodice_cmd.dir/object.c.o.d"
  "CMakeFiles/nodice_cmd.dir/resolve.c.o"
  "CMakeFiles/nodice_cmd.dir/resolve.c.o.d"
  "CMakeFiles/nodice_cmd.dir/run.c.o"
  "CMakeFiles/nodice_cmd.dir/run.c.o.d"
  "CMakeFiles/nodice_cmd.dir/sources.c.o"
  "CMakeFiles/nodice_cmd.dir/sources.c.o.d"
  "CMakeFiles/nodice_cmd.dir/x86.c.o"
  "CMakeFiles/nodice_cmd.dir/x86.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/nodice_cmd.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
