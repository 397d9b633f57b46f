file(REMOVE_RECURSE
  "CMakeFiles/test_chacha.dir/shim/test_chacha.c.o"
  "CMakeFiles/test_chacha.dir/shim/test_chacha.c.o.d"
  "test_chacha"
  "test_chacha.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_chacha.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
