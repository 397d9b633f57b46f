file(REMOVE_RECURSE
  "libnd_test_support.a"
)
