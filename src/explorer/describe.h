// What the canvas shows, in one or two sentences a screen reader can speak:
// the panel, the selected head, its sinks and what the selected sink catches.
// The page keeps it in an ARIA live region (web/index.html) and updates it
// when it changes (src/platform/webapi_embed.cpp), not every frame.
#pragma once
#include <string>
#include <string_view>

#include "explorer/ui_state.h"
#include "explorer/view.h"

namespace ss::explorer {

// e.g. "Attention panel. Layer 6, head 2: sink at token 7 ('"') with sink
// score 0.50 catches tokens 7 to 24 (17 queries). 32 tokens, 8 layers x 6 heads."
// `selected_sink` indexes v.head_sinks (clamped); a head without sinks says so.
std::string describe_view(const ExplorerView& v, Panel panel, int selected_sink);

// Before there is a view: "Loading model demo-lm." / the last error.
std::string describe_no_view(std::string_view loading, std::string_view error);

// A token as words can carry it: quoted text, or the name of a whitespace
// token ("newline", "space", "2 spaces", "tab"); at most 24 characters.
std::string spoken_token(std::string_view raw);

}  // namespace ss::explorer
