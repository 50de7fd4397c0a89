# unit_tests: every tests/unit/*.cpp in one Catch2 2 binary; natively and, in
# the wasm build, as unit_tests.js run by node (the preset's emulator).
file(GLOB SINKSCOPE_UNIT_SRC CONFIGURE_DEPENDS tests/unit/*.cpp)
add_executable(unit_tests ${SINKSCOPE_UNIT_SRC})
target_compile_definitions(unit_tests PRIVATE SINKSCOPE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
if(EMSCRIPTEN)
  # Catch2's own target adds -isystem /usr/include (host headers break wasm);
  # the symlinked include dir from wasm.cmake has catch2/ instead. NODERAWFS
  # lets the tests read tests/data and models/ from the real disk.
  target_link_libraries(unit_tests PRIVATE sinkscope)
  target_link_options(unit_tests PRIVATE -sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1
    -sTOTAL_STACK=8MB -sEXIT_RUNTIME=1)
  list(APPEND CMAKE_MODULE_PATH /usr/lib/cmake/Catch2)
  include(/usr/lib/cmake/Catch2/Catch.cmake)
else()
  find_package(Catch2 2 REQUIRED)
  include(Catch)
  target_link_libraries(unit_tests PRIVATE sinkscope Catch2::Catch2)
endif()
# One ctest entry per TEST_CASE; discovery runs the binary (under node for wasm).
catch_discover_tests(unit_tests DISCOVERY_TIMEOUT 120)
# The app's async-backend policy (src/app/session_async.cpp, backends.cpp) has
# no UI in it: its test drives it with fake backends. No built-in backends
# there (WebGPU needs the page's JS library).
target_sources(unit_tests PRIVATE ${PROJECT_SOURCE_DIR}/src/app/session_async.cpp
                                  ${PROJECT_SOURCE_DIR}/src/app/backends.cpp)
target_compile_definitions(unit_tests PRIVATE SINKSCOPE_NO_BUILTIN_BACKENDS)
# The bad-input suite (tests/unit/test_bad_input.cpp) drives the app's session
# layer (bytes -> model, prompt -> results), which has no UI in it.
target_sources(unit_tests PRIVATE ${PROJECT_SOURCE_DIR}/src/app/session.cpp
                                  ${PROJECT_SOURCE_DIR}/src/app/app_state.cpp)
# Where the native app looks for models (tests/unit/test_model_paths.cpp).
if(NOT EMSCRIPTEN)
  target_sources(unit_tests PRIVATE ${PROJECT_SOURCE_DIR}/src/app/model_paths.cpp)
endif()
