// Opening a model the user brings, after start-up: files dropped on the page
// or picked in its file dialog, a Hugging Face repo the page fetches
// (web/hub.js; the rules are model/hub.h), or natively a folder path. The
// page moves the bytes; which file is which (model/file_set.h) and the load
// happen here, and a failed load keeps the model that was there
// (install_model).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "explorer/session.h"

namespace ss::explorer {

// Loads a model from files in memory: names[i] (a base name or a path inside
// a dropped folder) holds bytes[i]. config.json, tokenizer.json and
// model.safetensors, or model.safetensors.index.json and every shard it
// names; other files are ignored. `name`: what the status bar shows.
Expected<std::shared_ptr<const LoadedModel>> load_file_set(const std::string& name, const std::vector<std::string>& names,
                                                           const std::vector<std::span<const uint8_t>>& bytes);

// config.json checked alone (family, options), before any weights are fetched.
Expected<void> check_config_text(std::string_view config_json);

// The URL parameters that reopen model `name` when it came from the Hub
// ("hf=OWNER/NAME&rev=...&hub=..."; "copy link" writes them instead of
// model=), "" for any other model. set_hub_link records them after a load.
void set_hub_link(const std::string& name, const std::string& repo, const std::string& rev, const std::string& hub);
std::string hub_link(const std::string& name);

// True where the page can fetch a repo and open a file dialog (the browser).
bool page_opens_models();
// Browser: asks the page to fetch `repo` at `rev` ("" = main) from its hub
// (web/hub.js: progress, cancel, cache, overlays). Natively: nothing.
void request_open_hub(const std::string& repo, const std::string& rev);
// Browser: opens the page's file dialog, for files or (folder) a whole folder.
void request_pick_files(bool folder);

}  // namespace ss::explorer
