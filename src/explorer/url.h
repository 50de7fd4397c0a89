// Sharing: URL parameters model, prompt, layer, head, panel, embed=1, backend are read
// into the state at start, and "copy link" writes the current state back.
//
// Embedding one panel in a course page (the panel sizes itself to the iframe):
//   <iframe src="https://HOST/sinkscope/?model=demo-lm&panel=attention&layer=2&head=1
//                &prompt=The%20sky%20is%20blue.%20Grass%20is%20green.&embed=1"
//           width="900" height="560" style="border:0" loading="lazy"></iframe>
// panel: attention | residual | tag | release | interventions | averaging | guide | settings
// Optional: theme=light. Natively the same string goes in $SINKSCOPE_PARAMS.
#pragma once
#include <string>
#include <string_view>

#include "explorer/app_state.h"

namespace ss::explorer {

// Applies a query string ("?a=1&b=2" or "a=1&b=2"); unknown keys are ignored,
// bad values leave the field as it was. Returns how many parameters applied.
int apply_url_params(AppState& s, std::string_view query);

// The query string for the current state (no leading '?').
std::string build_url_params(const AppState& s);

// Reads the page's query (browser) or $SINKSCOPE_PARAMS (native) into the state.
void load_url_params(AppState& s);

// Writes the link into the address bar (browser) or stdout (native); the UI
// puts `link` on the clipboard and shows `message` as its toast.
struct CopiedLink {
  std::string link;     // "?model=...&prompt=..."
  std::string message;  // one line for the toast
};
CopiedLink copy_link(const AppState& s);

}  // namespace ss::explorer
