file(REMOVE_RECURSE
  "CMakeFiles/test_resolve.dir/inspect/test_resolve.c.o"
  "CMakeFiles/test_resolve.dir/inspect/test_resolve.c.o.d"
  "test_resolve"
  "test_resolve.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_resolve.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
