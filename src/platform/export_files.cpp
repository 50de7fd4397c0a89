#include "platform/export_files.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "explorer/export.h"
#include "explorer/ui_state.h"
#include "ui/layout.h"

#ifdef __EMSCRIPTEN__
#include <GLES3/gl3.h>
#include <emscripten.h>
// clang-format off
EM_JS(void, ss_js_download, (const char* name, const char* mime, const uint8_t* data, int n), {
  const bytes = HEAPU8.slice(data, data + n);
  const blob = new Blob([bytes], {type: UTF8ToString(mime)});
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = UTF8ToString(name);
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
});
// clang-format on
#else
#include <GL/gl.h>
#endif

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

namespace ss::explorer {
namespace {

std::vector<uint8_t> g_png;

void png_sink(void* ctx, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(ctx);
  out->insert(out->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
}

std::string save_bytes(const std::string& name, const char* mime, const uint8_t* data, size_t n) {
#ifdef __EMSCRIPTEN__
  ss_js_download(name.c_str(), mime, data, static_cast<int>(n));
  return "downloaded " + name;
#else
  (void)mime;
  const char* dir = std::getenv("SINKSCOPE_EXPORT_DIR");
  std::string path = (dir && *dir ? std::string(dir) + "/" : std::string()) + name;
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
  return f ? "saved " + path : "could not write " + path;
#endif
}

}  // namespace

void save_requested_files() {
  ExplorerUi& ui = explorer_ui();
  for (const SaveRequest& r : take_save_requests()) {
    ui.toast = r.bytes.empty() ? "nothing to export yet"
                               : save_bytes(r.name, r.mime.c_str(), reinterpret_cast<const uint8_t*>(r.bytes.data()), r.bytes.size());
    ui.toast_until = 1e300;  // shown until the next toast (ImGui time is not available here)
  }
}

void explorer_after_render(int fb_w, int fb_h) {
  ExplorerUi& ui = explorer_ui();
  if (!ui.want_png) return;
  ui.want_png = false;
  PixelRect r = current_panel_rect();
  r.x = std::clamp(r.x, 0, fb_w);
  r.y = std::clamp(r.y, 0, fb_h);
  r.w = std::clamp(r.w, 1, fb_w - r.x);
  r.h = std::clamp(r.h, 1, fb_h - r.y);
  if (r.w <= 0 || r.h <= 0) return;
  std::vector<uint8_t> px(size_t(r.w) * r.h * 4);  // [h, w, RGBA], GL rows bottom-up
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(r.x, fb_h - r.y - r.h, r.w, r.h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
  for (auto i = px.begin() + 3; i < px.end(); i += 4) *i = 255;  // the canvas alpha is not the picture
  g_png.clear();
  stbi_flip_vertically_on_write(1);
  stbi_write_png_to_func(png_sink, &g_png, r.w, r.h, 4, px.data(), r.w * 4);
  stbi_flip_vertically_on_write(0);
  ui.toast = save_bytes(ui.png_path, "image/png", g_png.data(), g_png.size());
  ui.toast_until = 1e300;  // shown until the next toast (ImGui time is not available here)
}

const std::vector<uint8_t>& last_png() { return g_png; }

}  // namespace ss::explorer
