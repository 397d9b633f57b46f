file(REMOVE_RECURSE
  "CMakeFiles/workload.dir/workload.c.o"
  "CMakeFiles/workload.dir/workload.c.o.d"
  "workload"
  "workload.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/workload.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
