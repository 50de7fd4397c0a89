# Checks written in Python (Debian's /usr/bin/python3 with python3-numpy,
# SINKSCOPE_PYTHON3 from onnx.cmake) that drive the native CLI, registered
# with CTest in the native build only:
#   independent_reference  training/independent_metrics.py: every metric of
#                          docs/metrics.md recomputed by a numpy implementation
#                          written from that page alone, against the CLI's JSON
#                          on demo-lm, the tiny families and the averaging models
if(EMSCRIPTEN OR SINKSCOPE_FUZZ OR NOT SINKSCOPE_PYTHON_CHECKS OR NOT TARGET sinkscope-cli)
  return()
endif()
add_test(NAME independent_reference
         COMMAND ${SINKSCOPE_PYTHON3} ${PROJECT_SOURCE_DIR}/training/independent_metrics.py
                 --cli $<TARGET_FILE:sinkscope-cli>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(independent_reference PROPERTIES TIMEOUT 600 LABELS python)
