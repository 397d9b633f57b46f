file(REMOVE_RECURSE
  "../bin/test_cpu"
  "../bin/test_cpu.pdb"
  "CMakeFiles/test_cpu.dir/shim/test_cpu.c.o"
  "CMakeFiles/test_cpu.dir/shim/test_cpu.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cpu.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
