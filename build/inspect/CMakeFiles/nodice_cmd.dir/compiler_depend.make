# Empty compiler generated dependencies file for nodice_cmd.
# This may be replaced when dependencies are built.
