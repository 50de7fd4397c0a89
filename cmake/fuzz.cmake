# One libFuzzer binary per tests/fuzz/fuzz_<name>.cpp, seeded from
# tests/fuzz/corpus/<name>/. ctest runs each for SINKSCOPE_FUZZ_SECONDS; new
# inputs go to build/<preset>/corpus/<name>/ (libFuzzer writes into its first
# corpus dir), never into the source tree.
set(SINKSCOPE_FUZZ_SECONDS 15 CACHE STRING "seconds each fuzz target runs under ctest")
file(GLOB SINKSCOPE_FUZZ_SRC CONFIGURE_DEPENDS tests/fuzz/fuzz_*.cpp)
foreach(src ${SINKSCOPE_FUZZ_SRC})
  get_filename_component(name ${src} NAME_WE)   # fuzz_<name>
  string(REGEX REPLACE "^fuzz_" "" short ${name})
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE sinkscope)
  # The fuzz build's library holds no explorer; the lesson parser is two of its
  # files that need only core/json.
  if(short STREQUAL "lesson")
    target_sources(${name} PRIVATE src/explorer/lesson.cpp src/explorer/ui_state.cpp)
  elseif(short STREQUAL "svg_text")  # the SVG writer needs nothing else
    target_sources(${name} PRIVATE src/explorer/svg.cpp)
  endif()
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_compile_definitions(${name} PRIVATE SINKSCOPE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  set(seeds ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${short})
  set(work ${CMAKE_BINARY_DIR}/corpus/${short})
  file(MAKE_DIRECTORY ${work})
  set(dirs ${work})
  if(EXISTS ${seeds})
    list(APPEND dirs ${seeds})
  endif()
  add_test(NAME ${name}
    COMMAND ${name} -max_total_time=${SINKSCOPE_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
            -print_final_stats=1 ${dirs})
  set_tests_properties(${name} PROPERTIES TIMEOUT 300)
endforeach()
