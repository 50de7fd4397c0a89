# The app: Dear ImGui 1.86 (third_party/imgui, from scripts/setup.sh) over GLFW.
#   sinkscope_ui (src/ui): panels, widgets, layout, frame; the only library linking ImGui
#   the app (src/platform): the main loop, GL, file export, the C API
# Natively: GLFW 3 + OpenGL 3.3 core -> sinkscope-app.
# Browser:  Emscripten's GLFW + WebGL2 -> sinkscope.js + sinkscope.wasm, and a
#           `dist` target that assembles what the dev server serves.
set(IMGUI_DIR ${PROJECT_SOURCE_DIR}/third_party/imgui)
if(NOT EXISTS ${IMGUI_DIR}/imgui.cpp)
  message(FATAL_ERROR "third_party/imgui is missing: run bash scripts/setup.sh")
endif()
add_library(imgui STATIC
  ${IMGUI_DIR}/imgui.cpp ${IMGUI_DIR}/imgui_draw.cpp ${IMGUI_DIR}/imgui_tables.cpp
  ${IMGUI_DIR}/imgui_widgets.cpp ${IMGUI_DIR}/imgui_demo.cpp
  ${IMGUI_DIR}/backends/imgui_impl_glfw.cpp ${IMGUI_DIR}/backends/imgui_impl_opengl3.cpp
  ${IMGUI_DIR}/misc/cpp/imgui_stdlib.cpp)
target_include_directories(imgui SYSTEM PUBLIC ${IMGUI_DIR} ${IMGUI_DIR}/backends ${IMGUI_DIR}/misc/cpp)
# Our own asserts stay on; ImGui's are for ImGui developers.
target_compile_definitions(imgui PUBLIC IMGUI_DISABLE_OBSOLETE_FUNCTIONS)
if(EMSCRIPTEN)
  target_compile_definitions(imgui PUBLIC IMGUI_IMPL_OPENGL_ES3)
  # WebGL answers the backend's state backup slowly: src/platform/gl_state_cache.h.
  target_sources(imgui PRIVATE ${PROJECT_SOURCE_DIR}/src/platform/gl_state_cache.cpp)
  set_source_files_properties(${IMGUI_DIR}/backends/imgui_impl_opengl3.cpp PROPERTIES
    COMPILE_OPTIONS "-include;${PROJECT_SOURCE_DIR}/src/platform/gl_state_cache.h")
  target_link_options(imgui INTERFACE -sUSE_GLFW=3 -sMIN_WEBGL_VERSION=2 -sMAX_WEBGL_VERSION=2)
else()
  find_package(glfw3 3.3 REQUIRED)
  find_package(OpenGL REQUIRED)
  target_link_libraries(imgui PUBLIC glfw OpenGL::GL ${CMAKE_DL_LIBS})
endif()

file(GLOB_RECURSE SINKSCOPE_UI_SRC CONFIGURE_DEPENDS src/ui/*.cpp)
add_library(sinkscope_ui STATIC ${SINKSCOPE_UI_SRC})
target_link_libraries(sinkscope_ui PUBLIC sinkscope_explorer imgui)
# DejaVu Sans (fonts-dejavu-core): Latin, Greek, Cyrillic in one readable face.
set(SINKSCOPE_FONT /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf CACHE FILEPATH "UI font (TTF)")
sinkscope_embed(sinkscope_ui ${SINKSCOPE_FONT} sinkscope_font_ttf)

# src/platform: the main loop, export files, and in the browser the C API the
# page and the browser tests call (webapi*.cpp).
if(EMSCRIPTEN)
  file(GLOB SINKSCOPE_PLATFORM_SRC CONFIGURE_DEPENDS src/platform/webapi*.cpp)
  list(APPEND SINKSCOPE_PLATFORM_SRC src/platform/main_web.cpp src/platform/export_files.cpp)
  set(APP_TARGET sinkscope_web)
else()
  set(SINKSCOPE_PLATFORM_SRC src/platform/main_native.cpp src/platform/export_files.cpp)
  set(APP_TARGET sinkscope-app)
endif()
add_executable(${APP_TARGET} ${SINKSCOPE_PLATFORM_SRC})
target_link_libraries(${APP_TARGET} PRIVATE sinkscope_ui)
if(NOT EMSCRIPTEN)
  # An install (cmake --install build/native --prefix P) puts the app in P/bin
  # and the models in P/share/sinkscope/models, where the app looks for them.
  install(TARGETS ${APP_TARGET} RUNTIME DESTINATION bin)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/ DESTINATION share/sinkscope/models)
endif()

if(EMSCRIPTEN AND SINKSCOPE_THREADS)
  # The threaded module (sinkscope-mt.js/.wasm/.worker.js) joins the plain
  # build's dist/ (SINKSCOPE_DIST_DIR, set by the wasm-mt preset): the page
  # picks it when the server makes it cross-origin isolated.
  set_target_properties(${APP_TARGET} PROPERTIES OUTPUT_NAME sinkscope-mt SUFFIX ".js")
  target_link_options(${APP_TARGET} PRIVATE
    -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=256MB
    -sEXPORTED_FUNCTIONS=_main,_malloc,_free
    -sEXPORTED_RUNTIME_METHODS=ccall,cwrap,UTF8ToString,stringToUTF8,lengthBytesUTF8,HEAPU8
    -sENVIRONMENT=web,worker --closure=0)
  set(SINKSCOPE_DIST_DIR ${CMAKE_BINARY_DIR}/dist CACHE PATH "dist/ folder the threaded module is copied into")
  add_custom_target(dist ALL
    COMMAND ${CMAKE_COMMAND} -E make_directory ${SINKSCOPE_DIST_DIR}
    COMMAND ${CMAKE_COMMAND} -E copy_if_different $<TARGET_FILE_DIR:${APP_TARGET}>/sinkscope-mt.js
            $<TARGET_FILE_DIR:${APP_TARGET}>/sinkscope-mt.wasm $<TARGET_FILE_DIR:${APP_TARGET}>/sinkscope-mt.worker.js
            ${SINKSCOPE_DIST_DIR}
    DEPENDS ${APP_TARGET}
    COMMENT "Threaded module into ${SINKSCOPE_DIST_DIR}"
    VERBATIM)
elseif(EMSCRIPTEN)
  set_target_properties(${APP_TARGET} PROPERTIES OUTPUT_NAME sinkscope SUFFIX ".js")
  target_link_options(${APP_TARGET} PRIVATE
    -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=64MB
    -sEXPORTED_FUNCTIONS=_main,_malloc,_free
    -sEXPORTED_RUNTIME_METHODS=ccall,cwrap,UTF8ToString,stringToUTF8,lengthBytesUTF8,HEAPU8
    -sENVIRONMENT=web --closure=0)

  # dist/: exactly what a static host (or web/serve.mjs) serves.
  set(DIST ${CMAKE_BINARY_DIR}/dist)
  add_custom_target(dist ALL
    COMMAND ${CMAKE_COMMAND} -DSRC=${PROJECT_SOURCE_DIR} -DBIN=$<TARGET_FILE_DIR:${APP_TARGET}>
            -DDIST=${DIST} -P ${PROJECT_SOURCE_DIR}/cmake/assemble_dist.cmake
    DEPENDS ${APP_TARGET}
    COMMENT "Assembling ${DIST}"
    VERBATIM)
else()
  target_link_libraries(${APP_TARGET} PRIVATE glfw OpenGL::GL)
endif()

