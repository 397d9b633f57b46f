# Empty compiler generated dependencies file for nodice.
# This may be replaced when dependencies are built.
