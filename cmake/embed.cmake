# sinkscope_embed(<target> <file> <symbol>): compiles <file>'s bytes into
# <target> as `extern const unsigned char <symbol>[]; extern const unsigned
# <symbol>_size;` (a font, a WGSL shader), so the app needs no file at run time.
# Uses only CMake (cmake -P embed_file.cmake), no xxd.
function(sinkscope_embed target file symbol)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/embed/${symbol}.cpp")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND "${CMAKE_COMMAND}" -DIN=${file} -DOUT=${out} -DSYMBOL=${symbol}
            -P "${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake"
    DEPENDS "${file}" "${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake"
    COMMENT "Embedding ${file} as ${symbol}"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
