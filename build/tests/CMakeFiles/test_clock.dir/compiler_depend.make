# Empty compiler generated dependencies file for test_clock.
# This may be replaced when dependencies are built.
