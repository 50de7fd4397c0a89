// ?theme= in a shared link: dark (default), light, contrast (the
// high-contrast theme); "copy link" writes back the one in use.
#include <catch2/catch.hpp>

#include <string>

#include "explorer/app_state.h"
#include "explorer/ui_state.h"
#include "explorer/url.h"

using namespace ss::explorer;
using Catch::Matchers::Contains;

TEST_CASE("url: theme=contrast, light and dark round-trip through the link", "[url][theme]") {
  ExplorerUi& ui = explorer_ui();
  const ExplorerUi saved = ui;
  AppState s;
  apply_url_params(s, "theme=contrast");
  CHECK(ui.contrast);
  CHECK(ui.dark);
  CHECK_THAT(build_url_params(s), Contains("&theme=contrast"));
  apply_url_params(s, "theme=light");
  CHECK_FALSE(ui.contrast);
  CHECK_FALSE(ui.dark);
  CHECK_THAT(build_url_params(s), Contains("&theme=light"));
  apply_url_params(s, "theme=dark");
  CHECK_FALSE(ui.contrast);
  CHECK(ui.dark);
  CHECK(build_url_params(s).find("theme=") == std::string::npos);  // the default is not written
  ui = saved;
}
