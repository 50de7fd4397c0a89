// Exports: the current panel as PNG (framebuffer readback after the frame is
// rendered), the analysis as CSV and JSON. The browser downloads them (a small
// JS helper makes a Blob link); natively they are written to files in
// $SINKSCOPE_EXPORT_DIR (default: the working directory). The last export of
// each kind stays in memory for the C API (browser tests decode and parse it).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ss::app {

std::string export_csv_now();   // "" when there is no analysis
std::string export_json_now();

// Downloads (browser) or writes (native) `text`; returns a message for the toast.
std::string save_text(const std::string& name, const char* mime, const std::string& text);

// Asks for a PNG of the current panel; it is taken after the next render.
void request_png(const std::string& name);

// True while a requested PNG waits for a rendered frame.
bool explorer_png_pending();

// Call after rendering the frame (before swapping buffers); fb_w/fb_h are the
// framebuffer size. Reads the panel's pixels when a PNG was requested.
void explorer_after_render(int fb_w, int fb_h);

// The last exports (for webapi_explorer.cpp).
const std::vector<uint8_t>& last_png();
const std::string& last_csv();
const std::string& last_json();

}  // namespace ss::app
