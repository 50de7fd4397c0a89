// ss_gl_get_integerv: see gl_state_cache.h. This file sees the real
// glGetIntegerv (the header's macro is not included here).
#include <GLES3/gl3.h>

#include <array>

namespace {

struct Cached {
  GLenum pname;
  int count;  // values the query writes
  bool valid = false;
  std::array<GLint, 4> v{};
};

// The state ImGui's backend backs up and restores, and WebGL answers slowly.
Cached g_cache[] = {
    {GL_SCISSOR_BOX, 4},       {GL_BLEND_SRC_RGB, 1},        {GL_BLEND_DST_RGB, 1},
    {GL_BLEND_SRC_ALPHA, 1},   {GL_BLEND_DST_ALPHA, 1},      {GL_BLEND_EQUATION_RGB, 1},
    {GL_BLEND_EQUATION_ALPHA, 1},
};

}  // namespace

extern "C" void ss_gl_get_integerv(GLenum pname, GLint* data) {
  for (Cached& c : g_cache) {
    if (c.pname != pname) continue;
    if (!c.valid) {
      glGetIntegerv(pname, c.v.data());
      c.valid = true;
    }
    for (int i = 0; i < c.count; ++i) data[i] = c.v[i];
    return;
  }
  glGetIntegerv(pname, data);
}
