// The models that answer "why sinks?" in the app: the sink slot of a model
// with a learned sink logit (docs/metrics.md, "Sink slot"), compare mode
// (explorer/compare.h: a second model on the same prompt through the same
// session path), the training timeline (explorer/timeline.h) and the
// hand-built averaging construction (models/averaging-construction).
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "analysis/report.h"
#include "backends/registry.h"
#include "core/file.h"
#include "engine/backend.h"
#include "explorer/compare.h"
#include "explorer/session.h"
#include "explorer/timeline.h"
#include "explorer/view.h"
#include "model/loader.h"

using namespace ss;
using namespace ss::explorer;

namespace {
const std::string kRoot = SINKSCOPE_SOURCE_DIR;
bool have(const std::string& name) {
  return std::filesystem::exists(kRoot + "/models/" + name + "/config.json");
}
const char* kPrompt = "She opened the door.\n\"I have been waiting for you,\" said her mother.\n";
}  // namespace

TEST_CASE("sink slot: the attention a row does not give to tokens", "[twins][analysis]") {
  Model m;
  m.config.n_layers = 1, m.config.n_heads = 2;
  const int T = 3;
  Tensor A({2, T, T});  // [H, T, T]
  // head 0: rows sum to 0.75, 0.5, 0.25 -> slot 0.25, 0.5, 0.75 -> share 0.5
  A.at(0, 0, 0) = 0.75f;
  A.at(0, 1, 0) = 0.25f, A.at(0, 1, 1) = 0.25f;
  A.at(0, 2, 0) = 0.05f, A.at(0, 2, 1) = 0.1f, A.at(0, 2, 2) = 0.1f;
  // head 1: an ordinary softmax, rows sum to 1 -> share 0
  A.at(1, 0, 0) = 1.f;
  A.at(1, 1, 0) = 0.5f, A.at(1, 1, 1) = 0.5f;
  A.at(1, 2, 0) = 0.2f, A.at(1, 2, 1) = 0.3f, A.at(1, 2, 2) = 0.5f;
  Taps taps;
  taps.named["blocks.0.attn_pattern"] = A;
  CHECK(sink_slot_shares(m, taps, T).empty());  // no sink logit: no slot
  m.config.attn_sink_logit = true;
  const std::vector<float> s = sink_slot_shares(m, taps, T);
  REQUIRE(s.size() == 2);
  CHECK_THAT(s[0], Catch::Matchers::WithinAbs(0.5, 1e-6));
  CHECK_THAT(s[1], Catch::Matchers::WithinAbs(0.0, 1e-6));
}

TEST_CASE("sink slot: demo-lm-sinklogit reports a share per head, in JSON and CSV", "[twins][models]") {
  if (!have("demo-lm-sinklogit")) {
    WARN("models/demo-lm-sinklogit not here (parked?): skipped");
    return;
  }
  auto m = load_model_dir("demo-lm-sinklogit", kRoot + "/models/demo-lm-sinklogit");
  REQUIRE(m.ok());
  const Model& model = (*m)->model;
  REQUIRE(model.config.attn_sink_logit);
  auto be = make_cpu_backend();
  const Tokens t = (*m)->tokenizer.encode(kPrompt, true);
  Taps taps;
  REQUIRE(be->forward(model, t.ids, {}, TapFilter{}, taps).ok());
  AnalysisSettings st;
  const Analysis an = analyze(model, taps, st);
  const int L = model.config.n_layers, H = model.config.n_heads;
  REQUIRE(an.sink_slot_share.size() == size_t(L) * H);
  float lo = 1, hi = 0;
  for (float v : an.sink_slot_share) lo = std::min(lo, v), hi = std::max(hi, v);
  CHECK(lo >= 0.f);
  CHECK(hi <= 1.f);
  CHECK(hi > 0.01f);  // the trained logits take a visible share somewhere
  // The same number from the rows directly.
  const Tensor& A = *taps.get(0, "attn_pattern");  // [H, T, T]
  const int T = int(A.dim(1));
  double slot = 0;
  for (int i = 0; i < T; ++i) {
    double sum = 0;
    for (int j = 0; j <= i; ++j) sum += A.at(0, i, j);
    slot += 1 - sum;
  }
  CHECK_THAT(an.slot_share(0, 0), Catch::Matchers::WithinAbs(slot / T, 1e-6));
  const std::string json = to_json(an, st).dump();
  CHECK(json.find("\"sink_slot_share\"") != std::string::npos);
  CHECK(to_csv(an).find("sink_slot_share,0,0") != std::string::npos);
  // demo-lm has no slot: the key stays out of its report.
  Analysis plain = an;
  plain.sink_slot_share.clear();
  CHECK(to_json(plain, st).dump().find("sink_slot_share") == std::string::npos);
}

// Loading a model after start-up is a fetch in wasm (model_fetch.h), which
// needs a page: the browser suite (tests/browser/twins.test.mjs) covers it there.
#ifndef __EMSCRIPTEN__
TEST_CASE("compare mode: a second model on the same prompt, the same head selected", "[twins][app]") {
  if (!have("demo-lm") || !have("demo-lm-gated")) {
    WARN("models/demo-lm or demo-lm-gated not here (parked?): skipped");
    return;
  }
  AppState& s = state();
  install_model(s, load_model_dir("demo-lm", kRoot + "/models/demo-lm"));
  REQUIRE(s.model);
  s.set_prompt(kPrompt);
  s.sel.layer = 3, s.sel.head = 2;
  compare_set("demo-lm-gated");  // natively: read at once
  REQUIRE(compare_state().status.empty());
  const ExplorerView* v = explorer_step(s);
  REQUIRE(v);
  const CompareState& c = compare_state();
  REQUIRE(c.ready);
  CHECK(c.same_shape);
  CHECK(c.side.layer == 3);
  CHECK(c.side.head == 2);
  CHECK(c.side.T == v->T);  // the twins share demo-lm's tokenizer
  const CompareSide a = side_of_view(*v, "demo-lm");
  // The cards: demo-lm has BOS sinks in most heads, the gated twin far fewer.
  int bos_a = 0, bos_b = 0;
  for (const SinkMapCell& x : a.map) bos_a += x.key == 0;
  for (const SinkMapCell& x : c.side.map) bos_b += x.key == 0;
  INFO("heads whose strongest sink is BOS: demo-lm " << bos_a << ", gated " << bos_b);
  CHECK(bos_a > 2 * bos_b);
  CHECK(std::isfinite(c.side.loss));
  CHECK(c.side.loss > 0);
  // Every edit runs the compared model too.
  const uint64_t v0 = c.prompt_version;
  s.set_prompt(std::string(kPrompt) + "She sat down.");
  explorer_step(s);
  CHECK(compare_state().prompt_version != v0);
  CHECK(compare_state().side.T == explorer_view()->T);
  // A bad name keeps the compared model and says why.
  compare_set("../etc");
  CHECK(compare_state().name == "demo-lm-gated");
  CHECK(!compare_state().status.empty());
  compare_set("");
  CHECK(compare_state().name.empty());
  reset_session();
}

TEST_CASE("timeline: timeline.json parses; a checkpoint replaces the weights, prompt and head stay", "[twins][app]") {
  const std::string dir = kRoot + "/models/demo-lm-timeline";
  if (!have("demo-lm-timeline")) {
    WARN("models/demo-lm-timeline not here (parked?): skipped");
    return;
  }
  auto text = read_text_file(dir + "/timeline.json");
  REQUIRE(text.ok());
  auto t = parse_timeline(*text);
  REQUIRE(t.ok());
  REQUIRE(t->checkpoints.size() == 8);
  for (size_t i = 1; i < t->checkpoints.size(); ++i) CHECK(t->checkpoints[i].step > t->checkpoints[i - 1].step);
  for (const std::string& f : t->files) CHECK(std::filesystem::exists(dir + "/" + f));
  CHECK(t->evals.size() > t->checkpoints.size());
  CHECK(parse_timeline("{\"evals\": []}").ok() == false);
  CHECK(parse_timeline("{\"evals\": [], \"checkpoints\": [{\"file\": \"../x\"}]}").ok() == false);

  AppState& s = state();
  install_model(s, load_model_dir("demo-lm-timeline", dir));  // no model.safetensors: the last checkpoint
  REQUIRE(s.model);
  s.set_prompt(kPrompt);
  s.sel.layer = 2, s.sel.head = 1;
  explorer_step(s);
  REQUIRE(timeline().checkpoints.size() == 8);
  CHECK(timeline().index == 7);
  REQUIRE(explorer_view());
  const float late_loss = explorer_view()->base.loss;
  const float late_share = explorer_view()->analysis.sink1_share;
  REQUIRE(timeline_set(s, 0));
  const ExplorerView* v = explorer_step(s);
  REQUIRE(v);
  CHECK(timeline().index == 0);
  CHECK(s.prompt == kPrompt);
  CHECK(s.sel.layer == 2);
  CHECK(s.sel.head == 1);
  INFO("loss at step " << timeline().checkpoints[0].step << ": " << v->base.loss << ", final: " << late_loss);
  CHECK(v->base.loss > late_loss + 1.0f);  // step 25 has barely learnt
  CHECK(v->analysis.sink1_share <= late_share);
  CHECK_FALSE(timeline_set(s, 8));
  reset_session();
}
#endif  // __EMSCRIPTEN__

TEST_CASE("averaging-construction: the shipped model catches exactly the segment and averages exactly",
          "[twins][averaging_models]") {
  auto m = ss::load_model_dir(kRoot + "/models/averaging-construction");
  REQUIRE(m.ok());
  const ModelConfig& c = m->config;
  REQUIRE(c.input_width == 10);
  auto be = make_cpu_backend();
  for (int sep : {2, 9, 20, 28}) {
    const int T = 32;
    Tensor x({T, 10});  // [T, input_width]: v, [SEP] flag, constant
    for (int t = 0; t < T; ++t) {
      for (int j = 0; j < 8 && t != sep; ++j) x.at(t, j) = std::sin(0.7f * t + 1.3f * j) * (j % 2 ? -1.5f : 1.f);
      if (t == sep) x.at(t, 8) = 1.f;
      x.at(t, 9) = 1.f;
    }
    Taps taps;
    REQUIRE(be->forward_inputs(*m, x, {}, TapFilter{}, taps).ok());
    const Tensor& y = *taps.get("logits");  // [T, 8]
    for (int i = 0; i < T; ++i) {
      if (i == sep) continue;
      const int from = i < sep ? 0 : sep + 1;
      for (int j = 0; j < 8; ++j) {
        double mean = 0;
        for (int t = from; t <= i; ++t) mean += x.at(t, j);
        REQUIRE_THAT(y.at(i, j), Catch::Matchers::WithinAbs(mean / (i - from + 1), 1e-5));
      }
    }
    AnalysisSettings st;
    st.release_max_sinks = -1;
    const Analysis an = analyze(*m, taps, st);
    const Sink* catch0 = nullptr;
    for (const Sink& s : an.sinks)
      if (s.layer == 0 && s.key == sep) catch0 = &s;
    INFO("[SEP] at " << sep);
    REQUIRE(catch0);
    std::vector<int> segment;
    for (int i = sep; i < T; ++i) segment.push_back(i);
    CHECK(catch0->caught == segment);  // span = segment, exactly
    CHECK(catch0->span_begin == sep);
    CHECK(catch0->span_end == T);
    CHECK_THAT(catch0->score, Catch::Matchers::WithinAbs(1.0, 1e-6));
    for (size_t k = 1; k < catch0->tag_alignment.size(); ++k)
      CHECK_THAT(catch0->tag_alignment[k], Catch::Matchers::WithinAbs(1.0, 1e-5));
  }
}

namespace {
// An asynchronous backend that claims what the CPU claims except the two
// attention variants (as WebGPU and ONNX Runtime Web do); it never has to
// run: the session must refuse it before the pass starts.
class NoVariants final : public Backend {
 public:
  const char* name() const override { return "novariants"; }
  const Capabilities& capabilities() const override {
    static const Capabilities caps = [] {
      Capabilities c = make_cpu_backend()->capabilities();
      c.incremental = c.synchronous = false;
      c.attention_gate = c.sink_logit = false;
      return c;
    }();
    return caps;
  }
  Expected<void> start(Pass) override { return make_error("must not start: validate_pass refuses first"); }
  Poll poll(Taps&, std::string&) override { return Poll::kIdle; }
  double last_ms() const override { return 0; }
};
}  // namespace

TEST_CASE("twins on a backend without their attention variant: the session says why and runs them on CPU",
          "[twins][async]") {
  for (const char* name : {"demo-lm-gated", "demo-lm-sinklogit"}) {
    if (!have(name)) {
      WARN(std::string("models/") + name + " not here (parked?): skipped");
      continue;
    }
    INFO(name);
    register_backend({"novariants", "No variants", [] { return std::make_unique<NoVariants>(); }, {}});
    reset_session();
    AppState s;
    install_model(s, load_model_dir(name, kRoot + "/models/" + name));
    REQUIRE(s.model);
    s.set_prompt(kPrompt);
    s.backend = "novariants";
    update(s);
    CHECK(s.backend == "cpu");
    INFO(s.backend_notice);
    CHECK(s.backend_notice.find(std::string(name) == "demo-lm-gated" ? "gated attention" : "sink logits") !=
          std::string::npos);
    CHECK(s.backend_notice.find("switched to CPU") != std::string::npos);
    REQUIRE(s.results);
    CHECK(s.results->has_taps);  // computed on the CPU in the same frame
    unregister_backend("novariants");
    reset_session();
  }
}
