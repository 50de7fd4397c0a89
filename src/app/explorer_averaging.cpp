#include "app/explorer_averaging.h"

#include <cmath>
#include <functional>
#include <span>
#include <string_view>

#include "app/explorer_controller.h"
#include "averaging/data.h"
#include "averaging/rng.h"
#include "engine/backend.h"
#include "model/loader.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#else
#include <fstream>
#include <sstream>
#endif

namespace ss::app {
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
std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}
void start_loading() {
  for (auto& r : g_lab.runs) {
    std::string dir = std::string(SINKSCOPE_SOURCE_DIR) + "/models/" + r.name;
    std::string cfg = slurp(dir + "/config.json"), st = slurp(dir + "/model.safetensors");
    if (cfg.empty() || st.empty()) {
      r.status = "missing " + dir;
      continue;
    }
    install(r, cfg, {reinterpret_cast<const uint8_t*>(st.data()), st.size()});
  }
}
#endif

void draw_sequence(uint64_t seed) {
  avg::Rng rng(seed);
  avg::TaskConfig task;
  task.T = g_lab.T;
  task.d_input = g_lab.d_input;
  avg::Batch b = avg::make_batch(rng, task, 1);
  g_lab.x = b.x;
  g_lab.labels.clear();
  g_lab.sep_positions.clear();
  for (int t = 0; t < b.T; ++t) {
    bool sep = b.is_sep(0, t);
    g_lab.labels.push_back(sep ? "[SEP]" : "v" + std::to_string(t));
    if (sep) g_lab.sep_positions.push_back(t);
  }
  g_lab.seed = seed;
  for (auto& r : g_lab.runs) r.ran = false;
}

void run(AveragingRun& r, const AnalysisSettings& st) {
  if (!g_backend) g_backend = make_cpu_backend();
  const int T = g_lab.T, di = g_lab.d_input;
  Tensor in({T, di + 1});  // [T, d_input + 1]
  in.data = g_lab.x;
  r.taps = Taps{};
  auto ok = g_backend->forward_inputs(*r.model, in, {}, TapFilter{}, r.taps);
  r.ran = true;
  if (!ok) {
    r.status = ok.error().message;
    return;
  }
  // Texts "[SEP]" are not punctuation to classify_sink; kinds come out as
  // bos (position 0) or other, which is what they are.
  r.analysis = analyze(*r.model, r.taps, st, &g_lab.labels);
  // Training loss: mean over non-[SEP] positions and dims of (y - running mean)^2.
  const Tensor* y = r.taps.get("logits");  // [T, d_input]
  r.loss = -1;
  if (!y || y->dim(1) != di) return;
  double se = 0;
  int n = 0;
  std::vector<double> sum(di, 0.0);  // [d_input] running sum since the last [SEP]
  int count = 0;
  for (int t = 0; t < T; ++t) {
    const float* xt = &g_lab.x[size_t(t) * (di + 1)];
    if (xt[di] > 0.5f) {
      std::fill(sum.begin(), sum.end(), 0.0);
      count = 0;
      continue;
    }
    ++count;
    for (int j = 0; j < di; ++j) {
      sum[j] += xt[j];
      double e = y->at(t, j) - sum[j] / count;
      se += e * e;
    }
    n += di;
  }
  r.loss = n ? static_cast<float>(se / n) : 0.0f;
}

}  // namespace

const std::vector<std::string>& averaging_model_names() {
  static const std::vector<std::string> names = {"averaging-5", "averaging-13"};
  return names;
}

AveragingLab& averaging_lab(const AppState& s, uint64_t seed) {
  if (!g_started) {
    g_started = true;
    for (auto& n : averaging_model_names()) g_lab.runs.push_back({n, "loading ...", nullptr, {}, {}, -1, false});
    start_loading();
  }
  AnalysisSettings st = analysis_settings(s);
  uint64_t key = std::hash<float>{}(st.sink_eps) * 31 + std::hash<float>{}(st.catch_tau);
  if (key != g_settings_key) {
    g_settings_key = key;
    for (auto& r : g_lab.runs) r.ran = false;
  }
  if (g_lab.x.empty() || g_lab.seed != seed) draw_sequence(seed);
  for (auto& r : g_lab.runs)
    if (r.model && !r.ran) run(r, st);
  return g_lab;
}

}  // namespace ss::app
