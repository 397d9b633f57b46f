file(REMOVE_RECURSE
  "../bin/nodice"
  "../bin/nodice.pdb"
  "CMakeFiles/nodice_cmd.dir/main.c.o"
  "CMakeFiles/nodice_cmd.dir/main.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/nodice_cmd.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
