file(REMOVE_RECURSE
  "CMakeFiles/test_prng.dir/shim/test_prng.c.o"
  "CMakeFiles/test_prng.dir/shim/test_prng.c.o.d"
  "test_prng"
  "test_prng.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_prng.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
