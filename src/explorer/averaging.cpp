#include "explorer/averaging.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <span>
#include <string_view>

#include "explorer/view.h"
#include "averaging/rng.h"
#include "engine/backend.h"
#include "model/loader.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#else

#include "explorer/model_paths.h"
#endif

namespace ss::explorer {
namespace {

AveragingLab g_lab;
bool g_started = false;
std::unique_ptr<Backend> g_backend;
uint64_t g_settings_key = 0;

void install(AveragingRun& r, std::string_view config, std::span<const uint8_t> st) {
  auto m = load_model(config, st, r.name);
  if (!m) {
    r.status = m.error().message;
    return;
  }
  r.model = std::make_shared<Model>(std::move(m.value()));
  r.status.clear();
  r.ran = false;
}

#ifdef __EMSCRIPTEN__
// Browser: two fetches per model (config.json, then model.safetensors).
struct Pending { size_t index; std::string config; };
void on_error(void* arg) {
  auto* p = static_cast<Pending*>(arg);
  g_lab.runs[p->index].status = "could not fetch models/" + g_lab.runs[p->index].name;
  delete p;
}
void on_weights(void* arg, void* buf, int n) {
  auto* p = static_cast<Pending*>(arg);
  install(g_lab.runs[p->index], p->config, {static_cast<const uint8_t*>(buf), static_cast<size_t>(n)});
  delete p;
}
void on_config(void* arg, void* buf, int n) {
  auto* p = static_cast<Pending*>(arg);
  p->config.assign(static_cast<const char*>(buf), static_cast<size_t>(n));
  std::string url = "models/" + g_lab.runs[p->index].name + "/model.safetensors";
  emscripten_async_wget_data(url.c_str(), p, on_weights, on_error);
}
void start_loading() {
  for (size_t i = 0; i < g_lab.runs.size(); ++i) {
    std::string url = "models/" + g_lab.runs[i].name + "/config.json";
    emscripten_async_wget_data(url.c_str(), new Pending{i, {}}, on_config, on_error);
  }
}
#else
void start_loading() {
  for (auto& r : g_lab.runs) {
    const std::string dir = find_model_dir(r.name, "");
    if (dir.empty()) {
      r.status = model_not_found_message(r.name, "");
      continue;
    }
    auto m = load_model_dir(dir);  // model/loader.h: the one reader of a model folder
    if (!m) {
      r.status = m.error().message;
      continue;
    }
    m->name = r.name;
    r.model = std::make_shared<Model>(std::move(*m));
    r.status.clear();
    r.ran = false;
  }
}
#endif

void draw_sequence(uint64_t seed) {
  // The task's distribution (src/averaging/data.h, single_sep) with position 0
  // kept free for a BOS marker: the [SEP] uniform in [2, T-2], then a vector
  // for every position (markers ignore theirs), entries N(0, 1).
  avg::Rng rng(seed);
  const int T = g_lab.T, di = g_lab.d_input;
  g_lab.sep = 2 + std::min(T - 4, int(rng.uniform() * (T - 3)));
  g_lab.vectors.assign(size_t(T) * di, 0.f);  // [T, d_input]
  for (auto& v : g_lab.vectors) v = static_cast<float>(rng.normal());
  g_lab.sep_positions = {g_lab.sep};
  g_lab.seed = seed;
  for (auto& r : g_lab.runs) r.ran = false;
}

// This model's input rows for the lab's sequence (columns from its config.json).
void encode(AveragingRun& r) {
  const ModelConfig& c = r.model->config;
  const int T = g_lab.T, di = g_lab.d_input, W = c.input_width;
  r.x.assign(size_t(T) * W, 0.f);  // [T, input_width]
  r.labels.assign(T, "");
  for (int t = 0; t < T; ++t) {
    float* xt = &r.x[size_t(t) * W];
    if (c.const_index >= 0) xt[c.const_index] = 1.f;
    if (t == g_lab.sep) {
      xt[di] = 1.f;
      r.labels[t] = "[SEP]";
    } else if (t == 0 && c.bos_index >= 0) {
      xt[c.bos_index] = 1.f;
      r.labels[t] = "BOS";
    } else {
      for (int j = 0; j < di; ++j) xt[j] = g_lab.vectors[size_t(t) * di + j];
      r.labels[t] = "v" + std::to_string(t);
    }
  }
}

void run(AveragingRun& r, const AnalysisSettings& st) {
  if (!g_backend) g_backend = make_cpu_backend();
  const ModelConfig& c = r.model->config;
  const int T = g_lab.T, di = g_lab.d_input;
  r.ran = true;
  if (c.d_input != di) {
    r.status = "d_input " + std::to_string(c.d_input) + " (the lab draws " + std::to_string(di) + ")";
    return;
  }
  encode(r);
  Tensor in({T, c.input_width});  // [T, input_width]
  in.data = r.x;
  r.taps = Taps{};
  auto ok = g_backend->forward_inputs(*r.model, in, {}, TapFilter{}, r.taps);
  if (!ok) {
    r.status = ok.error().message;
    return;
  }
  // Texts "[SEP]" are not punctuation to classify_sink; kinds come out as
  // bos (position 0) or other, which is what they are.
  r.analysis = analyze(*r.model, r.taps, st, &r.labels);
  r.sep_sink = -1;
  r.caught_segment = false;
  for (size_t i = 0; i < r.analysis.sinks.size(); ++i) {
    const Sink& sk = r.analysis.sinks[i];
    if (sk.layer != 0 || sk.key != g_lab.sep) continue;
    const Sink* best = r.sep_sink < 0 ? nullptr : &r.analysis.sinks[size_t(r.sep_sink)];
    if (!best || sk.span_end - sk.span_begin > best->span_end - best->span_begin) r.sep_sink = int(i);
  }
  if (r.sep_sink >= 0) {
    const Sink& sk = r.analysis.sinks[size_t(r.sep_sink)];
    // the segment = the vectors after the [SEP]; the [SEP] may catch itself too
    r.caught_segment = (sk.span_begin == g_lab.sep || sk.span_begin == g_lab.sep + 1) && sk.span_end == T;
  }
  // Training loss: mean over vector positions and dims of (y - running mean since the segment start)^2.
  const Tensor* y = r.taps.get("logits");  // [T, d_input]
  r.loss = -1;
  if (!y || y->dim(1) != di) return;
  double se = 0;
  int n = 0, count = 0;
  std::vector<double> sum(di, 0.0);  // [d_input] running sum since the segment start
  for (int t = 0; t < T; ++t) {
    if (r.labels[t] != "v" + std::to_string(t)) {  // a marker: [SEP] restarts the mean, BOS starts it
      std::fill(sum.begin(), sum.end(), 0.0);
      count = 0;
      continue;
    }
    const float* vt = &g_lab.vectors[size_t(t) * di];
    ++count;
    for (int j = 0; j < di; ++j) {
      sum[j] += vt[j];
      double e = y->at(t, j) - sum[j] / count;
      se += e * e;
    }
    n += di;
  }
  r.loss = n ? static_cast<float>(se / n) : 0.0f;
}

}  // namespace

const std::vector<std::string>& averaging_model_names() {
  // Two seeds of one configuration (d 16, 1 head, BOS): one formed catch, tag and
  // release, one solved the task without a catch; a formed seed without BOS;
  // and the paper's hand-built construction (training/averaging_construction.py).
  static const std::vector<std::string> names = {"averaging-bos-8", "averaging-bos-10", "averaging-d32-13",
                                                 "averaging-construction"};
  return names;
}

const AveragingLab* averaging_lab_if_started() { return g_started ? &g_lab : nullptr; }

AveragingLab& averaging_lab(const AppState& s, uint64_t seed) {
  if (!g_started) {
    g_started = true;
    for (auto& n : averaging_model_names()) {
      AveragingRun r;
      r.name = n;
      r.status = "loading ...";
      g_lab.runs.push_back(std::move(r));
    }
    start_loading();
  }
  AnalysisSettings st = analysis_settings(s);
  uint64_t key = (std::hash<float>{}(st.sink_eps) * 31 + std::hash<float>{}(st.catch_tau)) * 31 + uint64_t(st.sink_min_queries);
  if (key != g_settings_key) {
    g_settings_key = key;
    for (auto& r : g_lab.runs) r.ran = false;
  }
  if (g_lab.vectors.empty() || g_lab.seed != seed) draw_sequence(seed);
  for (auto& r : g_lab.runs)
    if (r.model && !r.ran) run(r, st);
  return g_lab;
}

}  // namespace ss::explorer
