file(REMOVE_RECURSE
  "CMakeFiles/nodice_core.dir/chacha.c.o"
  "CMakeFiles/nodice_core.dir/chacha.c.o.d"
  "CMakeFiles/nodice_core.dir/config.c.o"
  "CMakeFiles/nodice_core.dir/config.c.o.d"
  "CMakeFiles/nodice_core.dir/fmt.c.o"
  "CMakeFiles/nodice_core.dir/fmt.c.o.d"
  "libnodice_core.a"
  "libnodice_core.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/nodice_core.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
