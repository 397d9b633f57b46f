# Empty compiler generated dependencies file for test_prng.
# This may be replaced when dependencies are built.
