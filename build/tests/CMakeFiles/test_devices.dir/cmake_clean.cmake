file(REMOVE_RECURSE
  "../bin/test_devices"
  "../bin/test_devices.pdb"
  "CMakeFiles/test_devices.dir/shim/test_devices.c.o"
  "CMakeFiles/test_devices.dir/shim/test_devices.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_devices.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
