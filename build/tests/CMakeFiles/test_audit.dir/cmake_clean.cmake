file(REMOVE_RECURSE
  "CMakeFiles/test_audit.dir/inspect/test_audit.c.o"
  "CMakeFiles/test_audit.dir/inspect/test_audit.c.o.d"
  "test_audit"
  "test_audit.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_audit.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
