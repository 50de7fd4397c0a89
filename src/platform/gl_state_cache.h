// Force-included into Dear ImGui's OpenGL3 backend in the browser build only
// (cmake/app.cmake): its glGetIntegerv calls go through ss_gl_get_integerv.
//
// Why: WebGL answers glGetIntegerv for the blend and scissor state with a
// synchronous round trip to the GPU process (0.25-0.4 ms each in Chromium,
// more while the previous frame is still being drawn), and the backend reads
// seven of them on every drawn frame to back up state that it restores at the
// end of the same frame. Nothing else in sinkscope sets that state, so the
// first answer stays true: it is kept, and the backend's restore writes the
// same values back each frame.
#pragma once
#include <GLES3/gl3.h>

#ifdef __cplusplus
extern "C" {
#endif
void ss_gl_get_integerv(GLenum pname, GLint* data);
#ifdef __cplusplus
}
#endif

#define glGetIntegerv ss_gl_get_integerv
