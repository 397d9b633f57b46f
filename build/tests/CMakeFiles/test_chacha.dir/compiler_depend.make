# Empty compiler generated dependencies file for test_chacha.
# This may be replaced when dependencies are built.
