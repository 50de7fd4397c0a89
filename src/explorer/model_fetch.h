// Loading a model folder after start-up: the model picker, the compared model
// (compare.h) and the timeline's checkpoints (timeline.h). In the browser the
// page's models/NAME/ files are fetched asynchronously (the frame keeps
// drawing); natively the folder is found as the app finds its first model
// (model_paths.h) and read at once. Either way `done` runs on the main thread.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "explorer/session.h"

namespace ss::explorer {

using ModelDone = std::function<void(Expected<std::shared_ptr<const LoadedModel>>)>;
using TextDone = std::function<void(Expected<std::string>)>;

// Reads models/NAME/{config.json, tokenizer.json, WEIGHTS}; `weights` is a
// path inside the folder ("model.safetensors", "checkpoints/step_00025.safetensors").
// A name that is not a plain folder name is refused (it may come from a URL).
void fetch_model(const std::string& name, const std::string& weights, ModelDone done);
// Reads one text file models/NAME/FILE (timeline.json).
// Natively, `weights` "model.safetensors" of a timeline folder (which has none)
// reads its last checkpoint, as the app's first load does (session.h).
void fetch_model_text(const std::string& name, const std::string& file, TextDone done);

// The language models the page ships (cmake/assemble_dist.cmake copies every
// models/ folder with a tokenizer), for the model picker: name and one line.
struct CatalogEntry {
  const char* name;
  const char* what;
  bool timeline = false;  // a folder of checkpoints with timeline.json (timeline.h)
};
const std::vector<CatalogEntry>& model_catalog();
// True for a folder name: letters, digits, '.', '_', '-', not starting with '.'.
bool valid_model_name(const std::string& name);
// The catalog says NAME is a training timeline (natively: its folder has timeline.json).
bool has_timeline(const std::string& name);

}  // namespace ss::explorer
