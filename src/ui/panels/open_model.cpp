// "open model...": a model the page does not ship. In the browser: a Hugging
// Face repo id the page fetches (web/hub.js: a progress bar per file, cancel,
// the files cached for the next visit), or files / a folder from disk (also by
// dropping them on the page). Natively: a folder path. Either way a model that
// fails to load leaves the current one in place (explorer/open_files.h).
#include <string>
#include <string_view>

#include "explorer/open_files.h"
#include "explorer/session.h"
#include "imgui.h"
#include "misc/cpp/imgui_stdlib.h"
#include "ui/panels/open_model.h"
#include "ui/panels/panels.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {

namespace {
std::string g_repo;         // OWNER/NAME typed in the popup
std::string g_rev = "main"; // branch, tag or commit
std::string g_dir;          // natively: a folder path

// The controls drawn in the last frame (open_model_rect).
struct Drawn {
  const char* item;
  float rect[4];  // x, y, w, h
  int frame;      // ImGui frame it was drawn in
};
Drawn g_drawn[] = {{"button", {}, -1}, {"repo", {}, -1}, {"rev", {}, -1},
                   {"fetch", {}, -1},  {"folder", {}, -1}, {"files", {}, -1}};
void drawn(const char* item) {
  for (Drawn& d : g_drawn)
    if (std::string_view(d.item) == item) {
      const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
      d.rect[0] = a.x, d.rect[1] = a.y, d.rect[2] = b.x - a.x, d.rect[3] = b.y - a.y;
      d.frame = ImGui::GetFrameCount();
    }
}
}  // namespace

bool open_model_rect(std::string_view item, float out[4]) {
  if (!ImGui::GetCurrentContext()) return false;
  for (const Drawn& d : g_drawn)
    if (item == d.item && d.frame == ImGui::GetFrameCount()) {
      for (int i = 0; i < 4; ++i) out[i] = d.rect[i];
      return true;
    }
  return false;
}

bool draw_open_model(explorer::AppState& s) {
  bool started = false;
  if (ImGui::SmallButton("open model...")) ImGui::OpenPopup("##open-model");
  drawn("button");
  tooltip_for_last_item("Open a model the page does not ship: a Hugging Face repo by its id, or a model folder "
                        "from your disk (config.json, tokenizer.json and model.safetensors, or "
                        "model.safetensors.index.json with its shards). If it cannot be opened, the current "
                        "model stays.");
  if (!ImGui::BeginPopup("##open-model")) return false;
  const float w = ImGui::GetFontSize() * 16;
  if (explorer::page_opens_models()) {
    ImGui::TextUnformatted("From the Hugging Face Hub");
    ImGui::SetNextItemWidth(w);
    const bool enter = ImGui::InputTextWithHint("##hub-repo", "OWNER/NAME", &g_repo, ImGuiInputTextFlags_EnterReturnsTrue);
    drawn("repo");
    tooltip_for_last_item("The repo id as on the Hub, e.g. HuggingFaceTB/SmolLM-135M. The page downloads config.json, "
                          "tokenizer.json and the safetensors weights (one file or an index and its shards), "
                          "showing each file's progress, and keeps them in the browser's cache: the next visit "
                          "opens it without downloading.");
    ImGui::SetNextItemWidth(w);
    ImGui::InputTextWithHint("##hub-rev", "main", &g_rev);
    drawn("rev");
    tooltip_for_last_item("The revision: a branch, a tag or a commit hash (default main).");
    const bool fetch = ImGui::Button("fetch from the Hub");
    drawn("fetch");
    if ((fetch || enter) && !g_repo.empty()) {
      explorer::request_open_hub(g_repo, g_rev);
      started = true;
      ImGui::CloseCurrentPopup();
    }
    tooltip_for_last_item("Downloads the repo's files (cancel stops it). Gated and private repos need a login, "
                          "which sinkscope never asks for: download them yourself and open the folder below.");
    ImGui::Separator();
    ImGui::TextUnformatted("From your disk");
    const bool folder = ImGui::Button("folder...");
    drawn("folder");
    if (folder) explorer::request_pick_files(true), started = true, ImGui::CloseCurrentPopup();
    tooltip_for_last_item("Pick a model folder (a Hugging Face snapshot): config.json, tokenizer.json and "
                          "model.safetensors, or model.safetensors.index.json and every shard it names.");
    ImGui::SameLine();
    const bool files = ImGui::Button("files...");
    drawn("files");
    if (files) explorer::request_pick_files(false), started = true, ImGui::CloseCurrentPopup();
    tooltip_for_last_item("Pick the model's files one by one (select them all at once in the dialog).");
    ImGui::TextDisabled("or drop a model folder or its files on the page");
  } else {
    ImGui::TextUnformatted("A model folder");
    ImGui::SetNextItemWidth(w);
    const bool enter = ImGui::InputTextWithHint("##model-dir", "path/to/folder", &g_dir, ImGuiInputTextFlags_EnterReturnsTrue);
    tooltip_for_last_item("A Hugging Face model folder: config.json, tokenizer.json and model.safetensors, or "
                          "model.safetensors.index.json with its shards (as sinkscope-app --model-dir reads).");
    if ((ImGui::Button("open") || enter) && !g_dir.empty()) {
      std::string name = g_dir;
      while (name.size() > 1 && (name.back() == '/' || name.back() == '\\')) name.pop_back();
      const size_t slash = name.find_last_of("/\\");
      if (slash != std::string::npos) name = name.substr(slash + 1);
      explorer::install_model(s, explorer::load_model_dir(name, g_dir));  // failed: the model stays, status bar says why
      started = true;
      ImGui::CloseCurrentPopup();
    }
  }
  ImGui::EndPopup();
  return started;
}

}  // namespace ss::ui
