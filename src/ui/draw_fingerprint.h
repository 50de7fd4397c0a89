// Skipping frames that would draw the same picture. The browser's main loop
// runs once per animation frame; re-rendering an unchanged UI there costs a
// whole core under software GL (headless Chromium's SwiftShader) and battery
// on a laptop, and it competes with the next keystroke's forward pass. The
// frame function still runs every time (input, async results, timers), only
// the GL draw is skipped when ImGui's draw lists match the last drawn ones.
#pragma once
#include <cstdint>

struct ImDrawData;

namespace ss::explorer {

// A 64-bit hash of everything that decides the pixels: framebuffer size,
// every vertex, index and draw command (clip rect, texture, offsets).
uint64_t draw_fingerprint(const ImDrawData* d, int fb_w, int fb_h);

}  // namespace ss::explorer
