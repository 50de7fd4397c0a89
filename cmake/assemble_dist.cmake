# cmake -DSRC=<repo> -DBIN=<dir with sinkscope.js/.wasm> -DDIST=<out> -P assemble_dist.cmake
# dist/ = web page + built module + every model folder under models/ that has
# the three files the page fetches. Copies only what changed.
file(MAKE_DIRECTORY ${DIST} ${DIST}/models)
file(GLOB web_files ${SRC}/web/*.html ${SRC}/web/*.js ${SRC}/web/*.css ${SRC}/web/*.mjs)
list(FILTER web_files EXCLUDE REGEX "serve\\.mjs$")
foreach(f ${web_files} ${BIN}/sinkscope.js ${BIN}/sinkscope.wasm)
  file(COPY ${f} DESTINATION ${DIST})
endforeach()
file(GLOB model_dirs LIST_DIRECTORIES true ${SRC}/models/*)
foreach(d ${model_dirs})
  if(EXISTS ${d}/config.json AND EXISTS ${d}/tokenizer.json AND EXISTS ${d}/model.safetensors)
    get_filename_component(name ${d} NAME)
    foreach(f config.json tokenizer.json model.safetensors)
      file(COPY ${d}/${f} DESTINATION ${DIST}/models/${name})
    endforeach()
  endif()
endforeach()
# Averaging models (models/averaging-*: no tokenizer; the averaging lab fetches
# config.json and model.safetensors of each, src/app/explorer_averaging.cpp).
file(GLOB avg_dirs LIST_DIRECTORIES true ${SRC}/models/averaging-*)
foreach(d ${avg_dirs})
  if(EXISTS ${d}/config.json AND EXISTS ${d}/model.safetensors)
    get_filename_component(name ${d} NAME)
    foreach(f config.json model.safetensors)
      file(COPY ${d}/${f} DESTINATION ${DIST}/models/${name})
    endforeach()
  endif()
endforeach()
# The tests' small model (tests/data/models/tiny-chars) ships too:
# it loads in milliseconds and works before any trained model exists.
file(GLOB test_dirs LIST_DIRECTORIES true ${SRC}/tests/data/models/*)
foreach(d ${test_dirs})
  get_filename_component(name ${d} NAME)
  foreach(f config.json tokenizer.json model.safetensors)
    file(COPY ${d}/${f} DESTINATION ${DIST}/models/${name})
  endforeach()
endforeach()
