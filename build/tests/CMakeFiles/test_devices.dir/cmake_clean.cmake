file(REMOVE_RECURSE
  "CMakeFiles/test_devices.dir/shim/test_devices.c.o"
  "CMakeFiles/test_devices.dir/shim/test_devices.c.o.d"
  "test_devices"
  "test_devices.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_devices.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
