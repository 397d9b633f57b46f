# Empty compiler generated dependencies file for nd_test_support.
# This may be replaced when dependencies are built.
