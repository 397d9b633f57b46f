# Empty compiler generated dependencies file for test_bypass.
# This may be replaced when dependencies are built.
