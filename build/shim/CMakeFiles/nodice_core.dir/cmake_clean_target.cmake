file(REMOVE_RECURSE
  "libnodice_core.a"
)
