file(REMOVE_RECURSE
  "libnodice_inspect.a"
)
