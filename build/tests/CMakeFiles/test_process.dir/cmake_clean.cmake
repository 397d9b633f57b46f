file(REMOVE_RECURSE
  "CMakeFiles/test_process.dir/shim/test_process.c.o"
  "CMakeFiles/test_process.dir/shim/test_process.c.o.d"
  "test_process"
  "test_process.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_process.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
