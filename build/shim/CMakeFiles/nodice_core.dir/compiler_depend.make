# Empty compiler generated dependencies file for nodice_core.
# This may be replaced when dependencies are built.
