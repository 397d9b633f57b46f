# Empty compiler generated dependencies file for test_x86.
# This may be replaced when dependencies are built.
