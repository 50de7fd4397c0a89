// Files the user asked for (explorer/export.h): the current panel as PNG
// (framebuffer readback after the frame is rendered) and the CSV/JSON
// exports. The browser downloads them (a small JS helper makes a Blob link);
// natively they are written to $SINKSCOPE_EXPORT_DIR (default: the working
// directory). The last PNG stays in memory for the C API (browser tests decode it).
#pragma once
#include <cstdint>
#include <vector>

namespace ss::explorer {

// Writes the CSV/JSON files asked for since the last call (every frame).
void save_requested_files();

// Call after rendering the frame (before swapping buffers); fb_w/fb_h are the
// framebuffer size. Reads the panel's pixels when a PNG was requested.
void explorer_after_render(int fb_w, int fb_h);

const std::vector<uint8_t>& last_png();

}  // namespace ss::explorer
