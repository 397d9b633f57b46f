file(REMOVE_RECURSE
  "CMakeFiles/test_cpu.dir/shim/test_cpu.c.o"
  "CMakeFiles/test_cpu.dir/shim/test_cpu.c.o.d"
  "test_cpu"
  "test_cpu.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cpu.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
