file(REMOVE_RECURSE
  "CMakeFiles/nd_test_support.dir/support/child.c.o"
  "CMakeFiles/nd_test_support.dir/support/child.c.o.d"
  "libnd_test_support.a"
  "libnd_test_support.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/nd_test_support.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
