file(REMOVE_RECURSE
  "CMakeFiles/test_bypass.dir/shim/test_bypass.c.o"
  "CMakeFiles/test_bypass.dir/shim/test_bypass.c.o.d"
  "test_bypass"
  "test_bypass.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_bypass.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
