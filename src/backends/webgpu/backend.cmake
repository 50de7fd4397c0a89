# The WebGPU backend: browser only (Emscripten). Its .cpp files into the
# library, every shaders/*.wgsl embedded as ss_wgsl_<name> (NUL-terminated
# text), and our JS binding web/webgpu.js for every module that links the
# library (a module that never calls it pulls none of it in).
if(NOT EMSCRIPTEN)
  return()
endif()
file(GLOB SINKSCOPE_WEBGPU_SRC CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.cpp)
target_sources(sinkscope PRIVATE ${SINKSCOPE_WEBGPU_SRC})
file(GLOB SINKSCOPE_WGSL CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/shaders/*.wgsl)
foreach(wgsl ${SINKSCOPE_WGSL})
  get_filename_component(kernel ${wgsl} NAME_WE)
  sinkscope_embed(sinkscope ${wgsl} ss_wgsl_${kernel})
endforeach()
target_link_options(sinkscope INTERFACE "SHELL:--js-library ${PROJECT_SOURCE_DIR}/web/webgpu.js")
set_property(TARGET sinkscope APPEND PROPERTY INTERFACE_LINK_DEPENDS ${PROJECT_SOURCE_DIR}/web/webgpu.js)
