file(REMOVE_RECURSE
  "../bin/test_prng"
  "../bin/test_prng.pdb"
  "CMakeFiles/test_prng.dir/shim/test_prng.c.o"
  "CMakeFiles/test_prng.dir/shim/test_prng.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_prng.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
