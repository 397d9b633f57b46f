file(REMOVE_RECURSE
  "CMakeFiles/nodice-bench.dir/run.c.o"
  "CMakeFiles/nodice-bench.dir/run.c.o.d"
  "nodice-bench"
  "nodice-bench.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/nodice-bench.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
