# Emscripten specifics (docs/toolchain.md says why each line is here).
# Header-only libraries live in /usr/include, which the Emscripten sysroot
# hides, and -I/usr/include would pull host glibc headers: so an include dir
# holding only symlinks to them.
set(SINKSCOPE_SYSINC ${CMAKE_BINARY_DIR}/sysinc)
file(MAKE_DIRECTORY ${SINKSCOPE_SYSINC})
foreach(dir nlohmann stb catch2)
  if(EXISTS /usr/include/${dir} AND NOT EXISTS ${SINKSCOPE_SYSINC}/${dir})
    file(CREATE_LINK /usr/include/${dir} ${SINKSCOPE_SYSINC}/${dir} SYMBOLIC)
  endif()
endforeach()
add_library(sinkscope_wasm_sysinc INTERFACE)
target_include_directories(sinkscope_wasm_sysinc SYSTEM INTERFACE ${SINKSCOPE_SYSINC})

find_package(Eigen3 3.4 REQUIRED NO_MODULE)  # Eigen3_DIR from the preset

# utf8proc from its Debian source (scripts/setup.sh puts it in third_party/).
set(UTF8PROC_SRC ${PROJECT_SOURCE_DIR}/third_party/utf8proc)
if(NOT EXISTS ${UTF8PROC_SRC}/utf8proc.c)
  message(FATAL_ERROR "third_party/utf8proc is missing: run bash scripts/setup.sh")
endif()
add_library(utf8proc_wasm STATIC ${UTF8PROC_SRC}/utf8proc.c)
target_compile_definitions(utf8proc_wasm PUBLIC UTF8PROC_STATIC)
target_include_directories(utf8proc_wasm PUBLIC ${UTF8PROC_SRC})
target_compile_options(utf8proc_wasm PRIVATE -O2)

# Everything compiled here: wasm SIMD128 (LLVM autovectorises Eigen's scalar
# path), and C++ exceptions so that a throw (nlohmann::json, a failing
# REQUIRE) is caught instead of aborting the module.
add_compile_options(-msimd128 $<$<COMPILE_LANGUAGE:CXX>:-fexceptions>)
add_link_options(-fexceptions -sDISABLE_EXCEPTION_CATCHING=0)

# The threaded browser build (preset wasm-mt): every object with -pthread
# (shared memory, atomics), Web Workers started with the module so that
# std::thread never has to wait for the page's event loop. The page loads it
# only when it is cross-origin isolated (web/loader.js).
option(SINKSCOPE_THREADS "wasm: the threaded build (-pthread, Web Workers)" OFF)
if(SINKSCOPE_THREADS)
  add_compile_options(-pthread)
  add_link_options(-pthread -sPTHREAD_POOL_SIZE=3 -Wno-pthreads-mem-growth)
endif()
