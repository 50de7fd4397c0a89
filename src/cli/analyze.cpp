// sinkscope-cli analyze: the catch/tag/release metrics as JSON or CSV.
//   --prompt TEXT     tokenized (BOS prepended with --bos)
//   --ids 1,2,3       analysed exactly as given
//   --text-file F     windows of --ctx tokens, each BOS + ctx-1 tokens of the
//                     file (the way the model card reports); the shares and the
//                     key-0 sink scores are averaged over windows, and every
//                     window's sinks / tags / release / massive entries are
//                     listed with a "window" field.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "analysis/report.h"
#include "cli/commands.h"
#include "core/file.h"
#include "engine/engine.h"
#include "model/loader.h"
#include "tokenizer/tokenizer.h"

namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "sinkscope-cli analyze: %s\n", msg.c_str());
  return 1;
}

int cmd_analyze(int argc, char** argv) {
  std::string model_dir, prompt, ids_arg, text_file, format = "json";
  int ctx = 64, max_windows = 32;
  bool bos = false, release_all = false;
  ss::AnalysisSettings st;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--model") model_dir = next();
    else if (a == "--prompt") prompt = next();
    else if (a == "--ids") ids_arg = next();
    else if (a == "--text-file") text_file = next();
    else if (a == "--ctx") ctx = std::stoi(next());
    else if (a == "--max-windows") max_windows = std::stoi(next());
    else if (a == "--eps") st.sink_eps = std::stof(next());
    else if (a == "--tau") st.catch_tau = std::stof(next());
    else if (a == "--top-k") st.top_k = std::stoi(next());
    else if (a == "--massive-abs") st.massive_abs = std::stof(next());
    else if (a == "--massive-rel") st.massive_rel = std::stof(next());
    else if (a == "--release-all") release_all = true;
    else if (a == "--bos") bos = true;
    else if (a == "--format") format = next();
    else return fail("unknown option " + a);
  }
  if (release_all) st.release_max_sinks = -1;
  if (model_dir.empty()) return fail("--model DIR is required");
  if ((!prompt.empty()) + (!ids_arg.empty()) + (!text_file.empty()) != 1)
    return fail("give exactly one of --prompt, --ids, --text-file");
  if (format != "json" && format != "csv") return fail("--format must be json or csv");
  if (ctx < 2) return fail("--ctx must be at least 2");

  auto model = ss::load_model_dir(model_dir);
  if (!model) return fail(model.error().message);
  if (model->config.family == ss::Family::Averaging) return fail("averaging models take input vectors, not text; see train-averaging");

  std::optional<ss::Tokenizer> tok;
  {  // the tokenizer: needed for text, and for token kinds when present
    auto text = ss::read_text_file(model_dir + "/tokenizer.json");
    if (text) {
      auto t = ss::Tokenizer::from_json(*text);
      if (!t) return fail(t.error().message);
      tok = std::move(*t);
    } else if (ids_arg.empty()) {
      return fail(text.error().message);
    }
  }
  const int32_t bos_id = tok && tok->bos_id() >= 0 ? tok->bos_id() : model->config.bos_token_id;

  std::vector<std::vector<int32_t>> windows;
  if (!ids_arg.empty()) {
    std::vector<int32_t> ids;
    std::stringstream s(ids_arg);
    for (std::string p; std::getline(s, p, ',');) ids.push_back(std::stoi(p));
    windows.push_back(ids);
  } else if (!prompt.empty()) {
    std::vector<int32_t> ids = tok->encode(prompt, false).ids;
    if (bos) {
      if (bos_id < 0) return fail("--bos: this model has no BOS token");
      ids.insert(ids.begin(), bos_id);
    }
    windows.push_back(ids);
  } else {
    auto text = ss::read_text_file(text_file);
    if (!text) return fail(text.error().message);
    if (bos_id < 0) return fail("--text-file windows start with BOS, and this model has none");
    std::vector<int32_t> all = tok->encode(*text, false).ids;
    for (size_t b = 0; b + (ctx - 1) <= all.size() && int(windows.size()) < max_windows; b += ctx - 1) {
      std::vector<int32_t> w{bos_id};
      w.insert(w.end(), all.begin() + b, all.begin() + b + ctx - 1);
      windows.push_back(std::move(w));
    }
    if (windows.empty()) return fail("the text file holds fewer than --ctx - 1 tokens");
  }
  for (auto& w : windows) {
    if (w.empty()) return fail("no tokens to analyse");
    for (int32_t id : w)
      if (id < 0 || id >= model->config.vocab_size) return fail("token id " + std::to_string(id) + " is outside the vocabulary");
  }

  ss::Engine engine;
  nlohmann::json out;
  std::string csv;
  const int L = model->config.n_layers, H = model->config.n_heads;
  std::vector<double> share(L, 0.0), key0(size_t(L) * H, 0.0);
  double share_all = 0;
  for (size_t wi = 0; wi < windows.size(); ++wi) {
    auto taps = engine.run(*model, windows[wi]);
    if (!taps) return fail(taps.error().message);
    std::vector<std::string> texts;
    if (tok)
      for (int32_t id : windows[wi]) texts.push_back(tok->token_text(id));
    ss::Analysis an = ss::analyze(*model, **taps, st, tok ? &texts : nullptr);
    for (int l = 0; l < L; ++l) {
      share[l] += an.sink1_share_per_layer[l] / windows.size();
      for (int h = 0; h < H; ++h) key0[l * H + h] += an.score(l, h, 0) / windows.size();
    }
    share_all += an.sink1_share / windows.size();
    if (windows.size() == 1) {
      out = ss::to_json(an, st);
      out["ids"] = windows[0];
      if (tok) out["tokens"] = texts;
      csv = ss::to_csv(an);
      break;
    }
    nlohmann::json j = ss::to_json(an, st);
    for (const char* key : {"sinks", "tags", "release", "massive"})
      for (auto& e : j[key]) e["window"] = wi, out[key].push_back(e);
    std::string c = ss::to_csv(an);
    std::stringstream cs(c);
    std::string line;
    std::getline(cs, line);
    if (wi == 0) csv += "window," + line + "\n";
    while (std::getline(cs, line)) csv += std::to_string(wi) + "," + line + "\n";
  }
  if (windows.size() > 1) {
    out["windows"] = windows.size();
    out["ctx"] = ctx;
    out["sink_share_per_layer"] = share;
    out["sink1_share"] = share_all;
    nlohmann::json grid = nlohmann::json::array();
    for (int l = 0; l < L; ++l) grid.push_back(std::vector<double>(key0.begin() + l * H, key0.begin() + (l + 1) * H));
    out["sink_score_key0"] = grid;
  }
  if (format == "json") std::cout << out.dump(1) << "\n";
  else std::cout << csv;
  return 0;
}

ss::cli::RegisterCommand reg("analyze", cmd_analyze,
                             "analyze --model DIR (--prompt TEXT | --ids 1,2,3 | --text-file F) [--ctx 64] [--eps 0.2] "
                             "[--tau 0.5] [--bos] [--release-all] [--format json|csv]");

}  // namespace
