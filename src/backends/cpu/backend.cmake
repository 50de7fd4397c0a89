# The CPU backend: everywhere. Only kernels_x86.cpp gets AVX2 + FMA and only
# kernels_avx512.cpp AVX-512 (x86-64 natively); cpu::linear() picks the widest
# the running CPU has.
file(GLOB cpu_src CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.cpp)
target_sources(sinkscope PRIVATE ${cpu_src})
if(NOT EMSCRIPTEN AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/kernels_x86.cpp PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-mf16c")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/kernels_avx512.cpp PROPERTIES
    COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512dq;-mavx512vl;-mfma;-mf16c")
endif()
