# scripts/claims.py as ctest entries (Python 3 standard library only,
# SINKSCOPE_PYTHON3 from onnx.cmake), native build only, like
# cmake/python_checks.cmake:
#   claims_check    every model number in README.md, models/demo-lm/MODEL.md,
#                   training/averaging_report.md and training/README.md equals
#                   what the committed JSON data gives, and no unmarked model
#                   number sits outside the generated regions
#   claims_measure  this build's sinkscope-cli still gives the default prompt's
#                   analysis stored in models/demo-lm/metrics.json
#                   (default_prompt_analysis; numbers within 1e-3)
if(EMSCRIPTEN OR SINKSCOPE_FUZZ OR NOT SINKSCOPE_PYTHON_CHECKS OR NOT SINKSCOPE_PYTHON3)
  return()
endif()
add_test(NAME claims_check
         COMMAND ${SINKSCOPE_PYTHON3} ${PROJECT_SOURCE_DIR}/scripts/claims.py --check
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(claims_check PROPERTIES TIMEOUT 120 LABELS python)
if(TARGET sinkscope-cli)
  add_test(NAME claims_measure
           COMMAND ${SINKSCOPE_PYTHON3} ${PROJECT_SOURCE_DIR}/scripts/claims.py --check-measure
                   --cli $<TARGET_FILE:sinkscope-cli>
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(claims_measure PROPERTIES TIMEOUT 300 LABELS python)
endif()
