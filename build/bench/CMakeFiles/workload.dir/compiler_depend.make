# Empty compiler generated dependencies file for workload.
# This may be replaced when dependencies are built.
