# Empty compiler generated dependencies file for nodice-bench.
# This may be replaced when dependencies are built.
