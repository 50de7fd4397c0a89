// sinkscope-cli analyze: the catch/tag/release metrics (docs/metrics.md) as
// JSON or CSV.
//   --prompt TEXT     tokenized (BOS prepended with --bos)
//   --ids 1,2,3       analysed exactly as given
//   --inputs x,x,...  averaging models: rows [T, input_width], row-major
//   --text-file F     windows of --ctx tokens, each BOS + ctx-1 tokens of the
//                     file (the way the model card reports); the shares and the
//                     key-0 sink scores are averaged over windows, and every
//                     window's sinks / tags / release / massive entries are
//                     listed with a "window" field.
//   --dump F          also writes the taps the metrics read and the weights
//                     they use (F32 safetensors; one window only), so that an
//                     independent implementation can recompute every metric
//                     (training/independent_metrics.py).
//   --probes          tag probes (docs/metrics.md, "Tag probes") on the shipped
//                     probe text's windows (--ctx tokens each) plus the prompt;
//   --labels A:8-24,B:26-40
//                     probes of your own token labels (positions, BOS counted,
//                     inclusive), leave-one-out on the prompt.
//   --probe-heads L.H,...
//                     the heads --probes and --labels probe (default: the four
//                     that catch most after sinks at keys > 0). One window only.
//   --clamp DIM@LAYER[:TOKENS]
//                     clamp_outlier (docs/metrics.md): dim DIM at TOKENS (a or
//                     a-b joined by '+'; default every token) := the layer's
//                     median, from LAYER on; adds "clamp" with before/after.
//                     One window only.
// Every window also gets handoffs, tag_cosines and key_dimensions.
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "analysis/clamp.h"
#include "analysis/compress.h"
#include "analysis/probe_text.h"
#include "analysis/probes.h"
#include "analysis/report.h"
#include "analysis/report_second_half.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/dump.h"
#include "core/file.h"
#include "engine/engine.h"
#include "model/loader.h"
#include "tokenizer/tokenizer.h"

namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "sinkscope-cli analyze: %s\n", msg.c_str());
  return 1;
}

struct Options {
  std::string model_dir, prompt, ids, inputs, text_file, dump, format = "json";
  std::string probe_heads, labels;  // --probe-heads L.H,...; --labels A:b-e,B:b-e
  std::string clamp;                // --clamp DIM@LAYER[:TOKENS]
  int ctx = 64, max_windows = 32;
  bool bos = false, release_all = false, probes = false;
  ss::AnalysisSettings st;
};

// Parses argv into `o`; returns an error message, or "" when the options are usable.
std::string parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--model") o.model_dir = next();
    else if (a == "--prompt") o.prompt = next();
    else if (a == "--ids") o.ids = next();
    else if (a == "--inputs") o.inputs = next();
    else if (a == "--text-file") o.text_file = next();
    else if (a == "--dump") o.dump = next();
    else if (a == "--ctx") o.ctx = std::stoi(next());
    else if (a == "--max-windows") o.max_windows = std::stoi(next());
    else if (a == "--eps") o.st.sink_eps = std::stof(next());
    else if (a == "--min-queries") o.st.sink_min_queries = std::stoi(next());
    else if (a == "--sink1-eps") o.st.sink1_eps = std::stof(next());
    else if (a == "--tau") o.st.catch_tau = std::stof(next());
    else if (a == "--top-k") o.st.top_k = std::stoi(next());
    else if (a == "--massive-abs") o.st.massive_abs = std::stof(next());
    else if (a == "--massive-rel") o.st.massive_rel = std::stof(next());
    else if (a == "--release-all") o.release_all = true;
    else if (a == "--bos") o.bos = true;
    else if (a == "--probes") o.probes = true;
    else if (a == "--probe-heads") o.probe_heads = next();
    else if (a == "--labels") o.labels = next();
    else if (a == "--clamp") o.clamp = next();
    else if (a == "--format") o.format = next();
    else return "unknown option " + a;
  }
  if (o.release_all) o.st.release_max_sinks = -1;
  if (o.model_dir.empty()) return "--model DIR is required";
  if ((!o.prompt.empty()) + (!o.ids.empty()) + (!o.text_file.empty()) + (!o.inputs.empty()) != 1)
    return "give exactly one of --prompt, --ids, --inputs, --text-file";
  if (o.format != "json" && o.format != "csv") return "--format must be json or csv";
  if (o.ctx < 2) return "--ctx must be at least 2";
  if (o.st.sink_min_queries < 1) return "--min-queries must be at least 1";
  if (!o.dump.empty() && !o.text_file.empty()) return "--dump takes one window: use --prompt, --ids or --inputs";
  if (!o.probe_heads.empty() && !o.probes && o.labels.empty()) return "--probe-heads needs --probes or --labels";
  if ((o.probes || !o.labels.empty()) && o.prompt.empty() && o.ids.empty())
    return "--probes, --probe-heads and --labels take one text window: use --prompt or --ids";
  if (!o.clamp.empty() && !o.text_file.empty()) return "--clamp takes one window: use --prompt, --ids or --inputs";
  return "";
}

// Windows of ctx tokens, each BOS + ctx - 1 consecutive tokens of `all` (the
// model card's way), at most max_windows; a last partial window is dropped.
std::vector<std::vector<int32_t>> text_windows(const std::vector<int32_t>& all, int32_t bos_id, int ctx, int max_windows) {
  std::vector<std::vector<int32_t>> windows;
  for (size_t b = 0; b + (ctx - 1) <= all.size() && int(windows.size()) < max_windows; b += ctx - 1) {
    std::vector<int32_t> w{bos_id};
    w.insert(w.end(), all.begin() + b, all.begin() + b + ctx - 1);
    windows.push_back(std::move(w));
  }
  return windows;
}

// The token windows to analyse (one for --prompt / --ids, many for --text-file).
ss::Expected<std::vector<std::vector<int32_t>>> make_windows(const Options& o, const ss::Model& model,
                                                              const std::optional<ss::Tokenizer>& tok) {
  const int32_t bos_id = tok && tok->bos_id() >= 0 ? tok->bos_id() : model.config.bos_token_id;
  std::vector<std::vector<int32_t>> windows;
  if (!o.ids.empty()) {
    auto ids = ss::cli::parse_ids(o.ids);
    if (!ids) return ids.error();
    windows.push_back(std::move(*ids));
  } else if (!o.prompt.empty()) {
    std::vector<int32_t> ids = tok->encode(o.prompt, false).ids;
    if (o.bos) {
      if (bos_id < 0) return ss::make_error("--bos: this model has no BOS token");
      ids.insert(ids.begin(), bos_id);
    }
    windows.push_back(std::move(ids));
  } else {
    auto text = ss::read_text_file(o.text_file);
    if (!text) return text.error();
    if (bos_id < 0) return ss::make_error("--text-file windows start with BOS, and this model has none");
    windows = text_windows(tok->encode(*text, false).ids, bos_id, o.ctx, o.max_windows);
    if (windows.empty()) return ss::make_error("the text file holds fewer than --ctx - 1 tokens");
  }
  for (auto& w : windows) {
    if (w.empty()) return ss::make_error("no tokens to analyse");
    for (int32_t id : w)
      if (id < 0 || id >= model.config.vocab_size)
        return ss::make_error("token id " + std::to_string(id) + " is outside the vocabulary");
  }
  return windows;
}

// Appends one window's JSON lists and CSV rows (with a "window" field / column).
void add_window(const nlohmann::json& j, const std::string& c, size_t wi, nlohmann::json& out, std::string& csv) {
  for (const char* key : {"sinks", "tags", "release", "massive", "handoffs", "tag_cosines", "key_dimensions"})
    for (auto e : j[key]) e["window"] = wi, out[key].push_back(e);
  std::stringstream cs(c);
  std::string line;
  std::getline(cs, line);
  if (wi == 0) csv += "window," + line + "\n";
  while (std::getline(cs, line)) csv += std::to_string(wi) + "," + line + "\n";
}

// The tag probes of --probes / --labels (docs/metrics.md, "Tag probes") for one
// analysed prompt: its taps stay valid, the probe windows run on their own engine.
ss::Expected<std::vector<ss::ProbeResult>> run_probes(const Options& o, const ss::Model& model,
                                                      const std::optional<ss::Tokenizer>& tok, const ss::Analysis& an,
                                                      const ss::Taps& prompt, const std::vector<std::string>& prompt_texts) {
  std::vector<std::pair<int, int>> heads = ss::default_probe_heads(an);
  if (!o.probe_heads.empty()) {
    auto h = ss::cli::parse_heads(o.probe_heads, model.config.n_layers, model.config.n_heads);
    if (!h) return h.error();
    heads = std::move(*h);
  }
  const ss::ProbeSettings ps;
  std::vector<ss::ProbeResult> out;
  if (o.probes) {
    if (!tok) return ss::make_error("--probes: the probe text needs the model's tokenizer.json");
    const int32_t bos_id = tok->bos_id() >= 0 ? tok->bos_id() : model.config.bos_token_id;
    if (bos_id < 0) return ss::make_error("--probes: the probe windows start with BOS, and this model has none");
    const auto ids = text_windows(tok->encode(std::string(ss::kProbeText), false).ids, bos_id, o.ctx, 1 << 20);
    ss::Engine engine;
    ss::TapFilter filter;  // what probe_catch reads
    filter.all = false, filter.names = {"attn_pattern", "resid_post", "head_out"};
    std::vector<ss::Taps> taps;                   // [windows]
    std::vector<std::vector<std::string>> texts;  // [windows][T]
    for (const auto& w : ids) {
      auto t = engine.run(model, w, {}, filter);
      if (!t) return t.error();
      taps.push_back(**t);
      texts.emplace_back();
      for (int32_t id : w) texts.back().push_back(tok->token_bytes(id));
    }
    std::vector<ss::ProbeWindow> windows;
    for (size_t i = 0; i < taps.size(); ++i) windows.push_back({&taps[i], &texts[i]});
    windows.push_back({&prompt, prompt_texts.empty() ? nullptr : &prompt_texts});
    for (auto [l, h] : heads) out.push_back(ss::probe_catch(model, windows, l, h, o.st, ps));
  }
  if (!o.labels.empty()) {
    auto labels = ss::cli::parse_labels(o.labels, an.T);
    if (!labels) return labels.error();
    for (auto [l, h] : heads) out.push_back(ss::probe_labels(model, prompt, l, h, *labels, ps));
  }
  return out;
}

// --clamp: the same window again with the ClampDim hook (medians from the
// unclamped pass, which is re-run here on its own engine), analysed alike;
// adds out["clamp"]. Returns an error message or "".
std::string add_clamp(const Options& o, const ss::Model& model, const std::vector<int32_t>& ids, const ss::Tensor& inputs,
                      bool averaging, const ss::Analysis& before_an, const std::vector<std::string>* texts,
                      nlohmann::json& out) {
  ss::ClampSpec spec;
  if (std::string err = ss::parse_clamp(o.clamp, model.config.d_model, model.config.n_layers, before_an.T, spec); !err.empty())
    return err;
  ss::Engine clean, clamped;  // their own engines: the caller's taps stay valid
  ss::TapFilter pre;
  pre.all = false, pre.names = {"resid_pre"};
  auto base = averaging ? clean.run_inputs(model, inputs, {}, pre) : clean.run(model, ids, {}, pre);
  if (!base) return base.error().message;
  const std::vector<float> medians = ss::clamp_medians(**base, model.config.n_layers, spec.dim);
  if (medians.empty()) return "--clamp: the pass has no resid_pre taps";
  const ss::Hooks hooks = ss::clamp_hooks(spec, medians);
  auto taps = averaging ? clamped.run_inputs(model, inputs, hooks) : clamped.run(model, ids, hooks);
  if (!taps) return taps.error().message;
  const ss::Analysis after_an = ss::analyze(model, **taps, o.st, texts);
  auto loss_of = [&](const ss::Tensor* logits) { return logits && !averaging ? ss::next_token_loss(*logits, ids) : 0.f; };
  const float loss_before = out.contains("loss") ? out["loss"].get<float>() : 0.f;
  out["clamp"] = ss::clamp_json(spec, medians, ss::clamp_side(before_an, loss_before),
                                ss::clamp_side(after_an, loss_of((*taps)->get("logits"))), after_an, o.st);
  return "";
}

int cmd_analyze(int argc, char** argv) {
  Options o;
  if (std::string err = parse_options(argc, argv, o); !err.empty()) return fail(err);
  auto model = ss::load_model_dir(o.model_dir);
  if (!model) return fail(model.error().message);
  const bool averaging = model->config.family == ss::Family::Averaging;
  if (averaging != !o.inputs.empty())
    return fail(averaging ? "averaging models take input vectors (--inputs), not text or ids" : "--inputs is for averaging models");

  std::optional<ss::Tokenizer> tok;
  if (!averaging) {  // the tokenizer: needed for text, and for token kinds when present
    auto text = ss::read_text_file(o.model_dir + "/tokenizer.json");
    if (text) {
      auto t = ss::Tokenizer::from_json(*text);
      if (!t) return fail(t.error().message);
      tok = std::move(*t);
    } else if (o.ids.empty()) {
      return fail(text.error().message);
    }
  }
  std::vector<std::vector<int32_t>> windows;
  ss::Tensor inputs;  // [T, input_width] (averaging only)
  if (averaging) {
    auto parsed = ss::cli::parse_inputs(o.inputs, model->weights.tok_emb.dim(0));
    if (!parsed) return fail(parsed.error().message);
    inputs = std::move(*parsed);
    windows.emplace_back();
  } else {
    auto w = make_windows(o, *model, tok);
    if (!w) return fail(w.error().message);
    windows = std::move(*w);
  }

  ss::Engine engine;
  nlohmann::json out;
  std::string csv;
  const int L = model->config.n_layers, H = model->config.n_heads;
  std::vector<double> share(L, 0.0), key0(size_t(L) * H, 0.0);
  double share_all = 0;
  for (size_t wi = 0; wi < windows.size(); ++wi) {
    auto taps = averaging ? engine.run_inputs(*model, inputs) : engine.run(*model, windows[wi]);
    if (!taps) return fail(taps.error().message);
    std::vector<std::string> texts;
    if (tok)
      for (int32_t id : windows[wi]) texts.push_back(tok->token_bytes(id));  // raw: a newline token is "\n"
    ss::Analysis an = ss::analyze(*model, **taps, o.st, tok ? &texts : nullptr);
    for (int l = 0; l < L; ++l) {
      share[l] += an.sink1_share_per_layer[l] / windows.size();
      for (int h = 0; h < H; ++h) key0[l * H + h] += an.score(l, h, 0) / windows.size();
    }
    share_all += an.sink1_share / windows.size();
    ss::SecondHalf sh = ss::second_half(*model, **taps, an, o.st);
    if (windows.size() > 1) {
      nlohmann::json j = ss::to_json(an, o.st);
      ss::add_second_half_json(sh, j);
      add_window(j, ss::to_csv(an) + ss::second_half_csv(sh), wi, out, csv);
      continue;
    }
    out = ss::to_json(an, o.st);
    if (!averaging) {
      out["ids"] = windows[0];
      if (const ss::Tensor* logits = (*taps)->get("logits")) out["loss"] = ss::next_token_loss(*logits, windows[0]);
    }
    if (tok) out["tokens"] = texts;
    if (an.T < o.st.sink_min_queries) out["note"] = an.T == 1 ? "no sinks: one token" : "no sinks: too few tokens";
    csv = ss::to_csv(an);
    if (!o.dump.empty())
      if (auto r = ss::cli::write_dump(o.dump, *model, **taps, out); !r) return fail(r.error().message);
    if (o.probes || !o.labels.empty()) {
      auto p = run_probes(o, *model, tok, an, **taps, texts);
      if (!p) return fail(p.error().message);
      sh.probes = std::move(*p);
    }
    if (!o.clamp.empty())
      if (std::string err = add_clamp(o, *model, windows[0], inputs, averaging, an, tok ? &texts : nullptr, out); !err.empty()) return fail(err);
    ss::add_second_half_json(sh, out);
    csv += ss::second_half_csv(sh);
  }
  if (windows.size() > 1) {
    out["windows"] = windows.size();
    out["ctx"] = o.ctx;
    out["settings"] = ss::to_json(ss::Analysis{}, o.st)["settings"];
    out["sink1_share_per_layer"] = share;
    out["sink1_share"] = share_all;
    nlohmann::json grid = nlohmann::json::array();
    for (int l = 0; l < L; ++l) grid.push_back(std::vector<double>(key0.begin() + l * H, key0.begin() + (l + 1) * H));
    out["sink_score_key0"] = grid;
  }
  // Token texts are raw bytes: a byte-level token need not be UTF-8 (shown as U+FFFD).
  if (o.format == "json") std::cout << out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  else std::cout << csv;
  return 0;
}

ss::cli::RegisterCommand reg("analyze", cmd_analyze,
                             "analyze --model DIR (--prompt TEXT | --ids 1,2,3 | --inputs x,x,... | --text-file F) "
                             "[--ctx 64] [--eps 0.2] [--min-queries 4] [--sink1-eps 0.3] [--tau 0.5] [--bos] "
                             "[--release-all] [--dump F.safetensors] [--probes] [--probe-heads L.H,...] [--labels A:b-e,B:b-e] [--clamp DIM@LAYER[:TOKENS]] "
                             "[--format json|csv]");

}  // namespace
