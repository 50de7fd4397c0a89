#include "explorer/timeline.h"

#include <algorithm>

#include "core/file.h"
#include "core/json.h"
#include "explorer/model_fetch.h"
#include "explorer/session.h"

namespace ss::explorer {
namespace {

Timeline g_tl;
std::string g_for;  // the model name g_tl was made for (also while its json loads)

float num(const json::Json& j, const char* key) {
  const json::Json* v = json::find(j, {key});
  return v && v->is_number() ? v->get<float>() : 0.f;
}

}  // namespace

Expected<Timeline> parse_timeline(std::string_view text) {
  auto j = json::parse(text, "timeline.json");
  if (!j) return j.error();
  Timeline t;
  const json::Json* evals = json::find(*j, {"evals"});
  const json::Json* cks = json::find(*j, {"checkpoints"});
  if (!evals || !evals->is_array() || !cks || !cks->is_array() || cks->empty())
    return make_error("timeline.json: needs the arrays \"evals\" and \"checkpoints\" (at least one)");
  for (const auto& e : *evals) {
    if (!e.is_object() || !json::find(e, {"step"})) return make_error("timeline.json: an eval without \"step\"");
    TimelinePoint p;
    p.step = static_cast<int>(num(e, "step"));
    p.val_loss = num(e, "val_loss");
    p.sink_share = num(e, "max_layer_share");
    p.avg_share = num(e, "avg_share_layers_1_to_L-1");
    p.outlier_ratio = num(e, "max_bos_ratio");
    t.evals.push_back(p);
  }
  // The evals list repeats the checkpoint steps at its end (they were measured
  // again): one point per step, in order.
  std::stable_sort(t.evals.begin(), t.evals.end(), [](auto& a, auto& b) { return a.step < b.step; });
  t.evals.erase(std::unique(t.evals.begin(), t.evals.end(), [](auto& a, auto& b) { return a.step == b.step; }),
                t.evals.end());
  for (const auto& c : *cks) {
    const json::Json* f = c.is_object() ? json::find(c, {"file"}) : nullptr;
    if (!f || !f->is_string()) return make_error("timeline.json: a checkpoint without \"file\"");
    const std::string file = f->get<std::string>();
    if (file.find("..") != std::string::npos || file.empty() || file[0] == '/')
      return make_error("timeline.json: checkpoint file '" + file + "' is outside the folder");
    TimelinePoint p;
    p.step = static_cast<int>(num(c, "step"));
    p.val_loss = num(c, "val_loss_fp32");
    if (const json::Json* h = json::find(c, {"heldout_T64"}); h && h->is_object()) {
      p.sink_share = num(*h, "max_layer_share");
      p.avg_share = num(*h, "avg_share_layers_1_to_L-1");
      p.outlier_ratio = num(*h, "max_bos_ratio");
    }
    t.checkpoints.push_back(p);
    t.files.push_back(file);
  }
  return t;
}

Expected<std::string> timeline_final_weights(const std::string& dir) {
  auto text = read_text_file(dir + "/timeline.json");
  if (!text) return text.error();
  auto t = parse_timeline(*text);
  if (!t) return t.error();
  return t->files.back();
}

const Timeline& timeline() { return g_tl; }

void timeline_step(AppState& s) {
  const std::string name = s.model ? s.model->name : std::string();
  if (name == g_for) return;
  g_for = name;
  g_tl = Timeline{};
  if (name.empty() || !has_timeline(name)) return;
  g_tl.status = "loading timeline.json ...";
  fetch_model_text(name, "timeline.json", [name](Expected<std::string> text) {
    if (g_for != name) return;  // the model changed meanwhile
    auto t = text ? parse_timeline(*text) : Expected<Timeline>(text.error());
    if (!t) {
      g_tl.status = t.error().message;
      return;
    }
    g_tl = std::move(*t);
    g_tl.name = name;
    g_tl.index = static_cast<int>(g_tl.checkpoints.size()) - 1;  // the folder's model is the last checkpoint
  });
}

bool timeline_set(AppState& s, int i) {
  if (g_tl.name.empty() || i < 0 || i >= static_cast<int>(g_tl.files.size()) || g_tl.loading >= 0) return false;
  if (i == g_tl.index) return true;
  g_tl.loading = i;
  g_tl.status = "loading step " + std::to_string(g_tl.checkpoints[i].step) + " ...";
  const std::string name = g_tl.name;
  fetch_model(name, g_tl.files[i], [&s, i, name](Expected<std::shared_ptr<const LoadedModel>> m) {
    if (g_tl.name != name) return;
    g_tl.loading = -1;
    if (!m) {
      g_tl.status = m.error().message;  // the checkpoint shown stays
      return;
    }
    install_model(s, std::move(m), /*keep_selection=*/true);
    g_tl.index = i;
    g_tl.status.clear();
  });
  return true;
}

}  // namespace ss::explorer
