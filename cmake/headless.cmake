# sinkscope_headless (wasm build only): the engine, every backend and the
# parity table's C API (src/platform/webapi_parity.cpp), without GL or ImGui,
# for node as well as a page (-sENVIRONMENT=node,web). tests/node/parity.test.mjs
# runs ONNX Runtime (onnxruntime-node, behind the same web/ort_bridge.js
# interface) through it; on a machine with a GPU, node with Dawn's binding
# gives it navigator.gpu and the WebGPU backend: bench/gpu/run.mjs runs the
# parity table and the timings (webapi_timing.cpp) on a real GPU. Up to 4 GB
# of memory (wasm32's whole address space): a 0.5B model's 16-bit weights
# (1 GB) are held there while its file is read (web/webgpu.js reads every
# address unsigned).
add_executable(sinkscope_headless ${PROJECT_SOURCE_DIR}/src/platform/webapi_parity.cpp
                                  ${PROJECT_SOURCE_DIR}/src/platform/webapi_timing.cpp)
target_link_libraries(sinkscope_headless PRIVATE sinkscope)
set_target_properties(sinkscope_headless PROPERTIES SUFFIX ".js")
target_link_options(sinkscope_headless PRIVATE
  --no-entry -sMODULARIZE=1 -sEXPORT_NAME=createSinkscopeHeadless -sENVIRONMENT=node,web
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=64MB -sMAXIMUM_MEMORY=4GB
  -sEXPORTED_FUNCTIONS=_malloc,_free
  -sEXPORTED_RUNTIME_METHODS=ccall,UTF8ToString,HEAPU8 --closure=0)
