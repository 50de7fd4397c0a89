// Exports of the current prompt's analysis, in the one schema the CLI writes
// too (analysis/report.h): CSV with one fact per row, JSON with every sink.
// The UI asks for a file with request_save / request_png; the platform layer
// writes it after the frame is rendered (src/platform/export_files.h).
#pragma once
#include <string>
#include <vector>

#include "explorer/svg.h"
#include "explorer/view.h"

namespace ss::explorer {

std::string export_csv(const ExplorerView& v);
std::string export_json(const ExplorerView& v);  // analyze's JSON + tokens, ids, loss

// The current view's exports ("" before the first analysis).
std::string export_csv_now();
std::string export_json_now();

// A file the user asked for; the platform saves it (download or file) and
// puts what it did into the toast.
struct SaveRequest {
  std::string name;   // file name ("sinkscope-sinks.csv")
  std::string mime;   // "text/csv"
  std::string bytes;  // contents
};
void request_save(std::string name, std::string mime, std::string bytes);
std::vector<SaveRequest> take_save_requests();

// Asks for a PNG of the current panel; it is taken after the next render.
void request_png(const std::string& name);
bool png_pending();

// Asks for an SVG of the current panel, drawn from the next frame's draw
// lists (src/ui/svg_export.h); `download` also saves it as `name`.
void request_svg(const std::string& name, bool download);
bool svg_pending();
// Called by the UI with the figure it drew: keeps its text (last_svg) and
// queues the download if one was asked for. Adds the panel, head and prompt
// as the figure's <title>.
void finish_svg(SvgDoc doc);
const std::string& last_svg();  // "" before the first
int svg_count();                // figures finished so far

}  // namespace ss::explorer
