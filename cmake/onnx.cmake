# ONNX exports of the models (training/export_onnx.py: numpy + Debian's
# python3-onnx, no torch), made at build time rather than committed (the repo
# and the device's working-tree copy are size-capped). Each model folder gives
# <out>/<name>/model.onnx (instrumented: logits + taps) and model.logits.onnx.
# The exporter is deterministic; a folder is re-exported only when its
# config.json, model.safetensors or the exporter changed.
#
#   native: build/<preset>/onnx/<name>/       (models/*, and tests/data/tiny/* as tiny-<name>)
#           for tests/node/parity.test.mjs and bench/ (onnxruntime-node);
#           not in the default build: target onnx_exports
#   wasm:   <dist>/models/<name>/             (served next to the model's other files)
find_program(SINKSCOPE_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT SINKSCOPE_PYTHON3)
  find_program(SINKSCOPE_PYTHON3 python3)
endif()

# sinkscope_onnx_exports(<target> <out_root> <with_tiny> <all>): adds <target>,
# part of the default build when <all> (the page needs its exports; natively
# only the ONNX Runtime parity test and the benchmarks do, and build it by name).
function(sinkscope_onnx_exports target out_root with_tiny all)
  set(outs)
  file(GLOB model_dirs LIST_DIRECTORIES true CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/models/*)
  set(pairs)
  foreach(d ${model_dirs})
    get_filename_component(name ${d} NAME)
    list(APPEND pairs "${name}|${d}")
  endforeach()
  if(with_tiny)
    foreach(fam gpt2 llama llama_tied_f16 neox neox_seq averaging)
      list(APPEND pairs "tiny-${fam}|${PROJECT_SOURCE_DIR}/tests/data/tiny/${fam}")
    endforeach()
  endif()
  foreach(p ${pairs})
    string(REPLACE "|" ";" p "${p}")
    list(GET p 0 name)
    list(GET p 1 d)
    if(NOT EXISTS ${d}/config.json OR NOT EXISTS ${d}/model.safetensors)
      continue()
    endif()
    # The twins' attention variants are not in the exporter yet: no export,
    # and the ORT backend refuses them (its capabilities claim neither).
    file(READ ${d}/config.json cfg_text)
    if(cfg_text MATCHES "\"attention_gate\"|\"attention_sink_logit\"")
      continue()
    endif()
    set(o ${out_root}/${name})
    set(copy_sources)
    if(EMSCRIPTEN)  # the page (and the ORT parity test) also fetches these; averaging folders have no tokenizer.json
      set(copy_sources COMMAND ${CMAKE_COMMAND} -E copy_if_different ${d}/config.json ${d}/model.safetensors ${o})
    endif()
    add_custom_command(
      OUTPUT ${o}/model.onnx ${o}/model.logits.onnx
      COMMAND ${SINKSCOPE_PYTHON3} ${PROJECT_SOURCE_DIR}/training/export_onnx.py ${d} ${o}
      ${copy_sources}
      DEPENDS ${d}/config.json ${d}/model.safetensors ${PROJECT_SOURCE_DIR}/training/export_onnx.py
      COMMENT "ONNX export of ${name}"
      VERBATIM)
    list(APPEND outs ${o}/model.onnx ${o}/model.logits.onnx)
  endforeach()
  if(all)
    add_custom_target(${target} ALL DEPENDS ${outs})
  else()
    add_custom_target(${target} DEPENDS ${outs})
  endif()
endfunction()

# The threaded build (wasm-mt) adds only its module to the plain build's dist/.
if(NOT SINKSCOPE_FUZZ AND NOT SINKSCOPE_THREADS)
  if(EMSCRIPTEN)
    sinkscope_onnx_exports(onnx_exports ${CMAKE_BINARY_DIR}/dist/models OFF ON)
  else()
    sinkscope_onnx_exports(onnx_exports ${CMAKE_BINARY_DIR}/onnx ON OFF)  # cmake --build --preset native --target onnx_exports
  endif()
endif()

# ONNX Runtime Web (npm onnxruntime-web, from scripts/setup.sh's npm ci) served
# from our own origin under dist/ort/: the page imports it only when the ORT
# backend is chosen (web/ort_bridge.js), so the page's own download does not grow.
#   ort.wasm.min.mjs   + ort-wasm-simd-threaded.{mjs,wasm}           wasm EP
#   ort.webgpu.min.mjs + ort-wasm-simd-threaded.asyncify.{mjs,wasm}  WebGPU EP (and wasm)
if(EMSCRIPTEN AND NOT SINKSCOPE_THREADS)
  set(ORT_WEB_DIR ${PROJECT_SOURCE_DIR}/node_modules/onnxruntime-web/dist)
  set(ort_outs)
  foreach(f ort.wasm.min.mjs ort.webgpu.min.mjs ort-wasm-simd-threaded.mjs ort-wasm-simd-threaded.wasm
            ort-wasm-simd-threaded.asyncify.mjs ort-wasm-simd-threaded.asyncify.wasm)
    add_custom_command(
      OUTPUT ${CMAKE_BINARY_DIR}/dist/ort/${f}
      COMMAND ${CMAKE_COMMAND} -E copy_if_different ${ORT_WEB_DIR}/${f} ${CMAKE_BINARY_DIR}/dist/ort/${f}
      DEPENDS ${ORT_WEB_DIR}/${f}
      VERBATIM)
    list(APPEND ort_outs ${CMAKE_BINARY_DIR}/dist/ort/${f})
  endforeach()
  add_custom_target(ort_web ALL DEPENDS ${ort_outs})
endif()

