# Fuzz build: clang with ASan + UBSan everywhere; the library is instrumented
# for coverage (fuzzer-no-link) and each fuzz binary links libFuzzer's main.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "SINKSCOPE_FUZZ needs clang (use the 'fuzz' preset)")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
  -fno-sanitize-recover=undefined -g)
add_link_options(-fsanitize=address,undefined)
