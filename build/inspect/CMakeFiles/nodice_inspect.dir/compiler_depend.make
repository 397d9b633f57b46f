# Empty compiler generated dependencies file for nodice_inspect.
# This may be replaced when dependencies are built.
