file(REMOVE_RECURSE
  "../bin/test_clock"
  "../bin/test_clock.pdb"
  "CMakeFiles/test_clock.dir/shim/test_clock.c.o"
  "CMakeFiles/test_clock.dir/shim/test_clock.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_clock.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
