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
# config.json and model.safetensors of each, src/explorer/averaging.cpp).
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
  if(NOT IS_DIRECTORY ${d})
    continue()
  endif()
  get_filename_component(name ${d} NAME)
  foreach(f config.json tokenizer.json model.safetensors)
    file(COPY ${d}/${f} DESTINATION ${DIST}/models/${name})
  endforeach()
endforeach()
# Training timelines (a folder with timeline.json and checkpoints/, no
# model.safetensors: models/demo-lm-timeline): config, tokenizer, the metrics
# and every checkpoint, which the app loads on demand (src/explorer/timeline.h);
# the last checkpoint also as model.safetensors, what the page opens first.
file(GLOB tl_dirs LIST_DIRECTORIES true ${SRC}/models/*)
foreach(d ${tl_dirs})
  if(NOT (EXISTS ${d}/timeline.json AND EXISTS ${d}/config.json AND EXISTS ${d}/tokenizer.json))
    continue()
  endif()
  get_filename_component(name ${d} NAME)
  file(GLOB ckpts ${d}/checkpoints/*.safetensors)
  if(NOT ckpts)
    continue()
  endif()
  list(SORT ckpts)  # step_NNNNN: zero-padded, so the last is the final step
  foreach(f config.json tokenizer.json timeline.json)
    file(COPY ${d}/${f} DESTINATION ${DIST}/models/${name})
  endforeach()
  file(COPY ${ckpts} DESTINATION ${DIST}/models/${name}/checkpoints)
  list(GET ckpts -1 last)
  file(COPY_FILE ${last} ${DIST}/models/${name}/model.safetensors ONLY_IF_DIFFERENT)
endforeach()
# Lessons (docs/lessons.md): web/lessons/NAME.json, opened with ?lesson=NAME.
file(GLOB lesson_files ${SRC}/web/lessons/*.json)
if(lesson_files)
  file(MAKE_DIRECTORY ${DIST}/lessons)
  file(COPY ${lesson_files} DESTINATION ${DIST}/lessons)
endif()
