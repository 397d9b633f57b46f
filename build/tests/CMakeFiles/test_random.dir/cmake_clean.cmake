file(REMOVE_RECURSE
  "../bin/test_random"
  "../bin/test_random.pdb"
  "CMakeFiles/test_random.dir/shim/test_random.c.o"
  "CMakeFiles/test_random.dir/shim/test_random.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_random.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
