file(REMOVE_RECURSE
  "CMakeFiles/test_x86.dir/inspect/test_x86.c.o"
  "CMakeFiles/test_x86.dir/inspect/test_x86.c.o.d"
  "test_x86"
  "test_x86.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_x86.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
