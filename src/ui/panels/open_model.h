// Where "open model..." and its popup's controls were last drawn, for the
// browser tests (webapi.h group 17, ss_open_model_rect): they click the real
// button and type into the real field rather than call the page's hooks.
#pragma once
#include <string_view>

namespace ss::ui {

// x, y, w, h (ImGui's coordinates: canvas pixels, as ss_window_rect) of control `item` ("button", "repo",
// "rev", "fetch", "folder", "files") as drawn in the last frame; false when
// it was not drawn (the popup is closed, or the build has no such control).
bool open_model_rect(std::string_view item, float out[4]);

}  // namespace ss::ui
