# unit_tests: every tests/unit/**/*.cpp in one Catch2 2 binary, linked against the
# explorer library (no ImGui: what the app does is tested without its UI); natively and, in
# the wasm build, as unit_tests.js run by node (the preset's emulator).
# One folder per subject (tests/unit/<layer>/), shared helpers in support/.
file(GLOB_RECURSE SINKSCOPE_UNIT_SRC CONFIGURE_DEPENDS tests/unit/*.cpp)
add_executable(unit_tests ${SINKSCOPE_UNIT_SRC})
target_include_directories(unit_tests PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
target_compile_definitions(unit_tests PRIVATE SINKSCOPE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
if(EMSCRIPTEN)
  # Catch2's own target adds -isystem /usr/include (host headers break wasm);
  # the symlinked include dir from wasm.cmake has catch2/ instead. NODERAWFS
  # lets the tests read tests/data and models/ from the real disk.
  target_link_libraries(unit_tests PRIVATE sinkscope_explorer)
  target_link_options(unit_tests PRIVATE -sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1
    -sTOTAL_STACK=8MB -sEXIT_RUNTIME=1)
  list(APPEND CMAKE_MODULE_PATH /usr/lib/cmake/Catch2)
  include(/usr/lib/cmake/Catch2/Catch.cmake)
else()
  find_package(Catch2 2 REQUIRED)
  include(Catch)
  target_link_libraries(unit_tests PRIVATE sinkscope_explorer Catch2::Catch2)
endif()
# One ctest entry per TEST_CASE; discovery runs the binary (under node for wasm).
catch_discover_tests(unit_tests DISCOVERY_TIMEOUT 120)
