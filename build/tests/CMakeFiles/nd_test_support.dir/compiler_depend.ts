# CMAKE generated file: DO NOT EDIT!
# Timestamp file for compiler generated dependencies management for nd_test_support.
