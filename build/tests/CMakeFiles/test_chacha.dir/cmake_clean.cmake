file(REMOVE_RECURSE
  "../bin/test_chacha"
  "../bin/test_chacha.pdb"
  "CMakeFiles/test_chacha.dir/shim/test_chacha.c.o"
  "CMakeFiles/test_chacha.dir/shim/test_chacha.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_chacha.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
