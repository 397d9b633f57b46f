file(REMOVE_RECURSE
  "../bin/test_run"
  "../bin/test_run.pdb"
  "CMakeFiles/test_run.dir/cmd/test_run.c.o"
  "CMakeFiles/test_run.dir/cmd/test_run.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_run.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
