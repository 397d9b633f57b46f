file(REMOVE_RECURSE
  "../bin/test_process"
  "../bin/test_process.pdb"
  "CMakeFiles/test_process.dir/shim/test_process.c.o"
  "CMakeFiles/test_process.dir/shim/test_process.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_process.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
