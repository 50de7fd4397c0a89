// The page's live region (web/index.html #sr-description) follows what the
// canvas shows: once a frame the browser loop asks for the description and
// hands it to the page only when the words changed (webapi_embed.cpp).
#pragma once

namespace ss::explorer {

struct AppState;
void publish_description(const AppState& s);

}  // namespace ss::explorer
