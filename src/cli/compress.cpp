// sinkscope-cli compress: one compression of a model's layer matrices
// (docs/metrics.md, "Compression"), written as F32 safetensors beside the
// original matrices, and optionally its effect on loss and sinks over a text.
//   compress --model DIR --kind lowrank|oats|sparse [--sparsity 0.5]
//            [--rank R] [--ratio 1] [--rank-ratio 0.25] [--iters 8] [--mlp]
//            --out F.safetensors
// F holds orig.{l}.{wq,wk,wv,wo[,w_gate,w_up,w_down]} and comp.{l}.{same},
// and __metadata__ {"spec": {...}, "params_total", "params_kept"}.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "analysis/compress.h"
#include "cli/commands.h"
#include "cli/dump.h"
#include "model/loader.h"

namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "sinkscope-cli compress: %s\n", msg.c_str());
  return 1;
}

int cmd_compress(int argc, char** argv) {
  std::string model_dir, kind = "lowrank", out;
  ss::CompressSpec sp;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--model") model_dir = next();
    else if (a == "--kind") kind = next();
    else if (a == "--sparsity") sp.sparsity = std::stof(next());
    else if (a == "--rank") sp.rank = std::stoi(next());
    else if (a == "--ratio") sp.ratio = std::stof(next());
    else if (a == "--rank-ratio") sp.oats_rank_ratio = std::stof(next());
    else if (a == "--iters") sp.oats_iters = std::stoi(next());
    else if (a == "--mlp") sp.mlp = true;
    else if (a == "--out") out = next();
    else return fail("unknown option " + a);
  }
  if (model_dir.empty() || out.empty()) return fail("--model DIR and --out F.safetensors are required");
  if (kind == "lowrank") sp.kind = ss::CompressKind::LowRank;
  else if (kind == "oats") sp.kind = ss::CompressKind::Oats;
  else if (kind == "sparse") sp.kind = ss::CompressKind::Sparse;
  else return fail("--kind must be lowrank, oats or sparse");
  if (!(sp.sparsity >= 0 && sp.sparsity <= 1)) return fail("--sparsity must be in [0, 1]");
  if (sp.oats_iters < 1) return fail("--iters must be at least 1");
  auto model = ss::load_model_dir(model_dir);
  if (!model) return fail(model.error().message);
  const ss::Model comp = ss::compress(*model, sp);
  ss::CompressionReport rep;
  ss::count_compressed_params(rep, *model, sp);

  std::vector<std::pair<std::string, const ss::Tensor*>> ts;
  const std::pair<const char*, ss::Tensor ss::LayerWeights::*> mats[] = {
      {"wq", &ss::LayerWeights::wq},         {"wk", &ss::LayerWeights::wk},  {"wv", &ss::LayerWeights::wv},
      {"wo", &ss::LayerWeights::wo},         {"w_gate", &ss::LayerWeights::w_gate},
      {"w_up", &ss::LayerWeights::w_up},     {"w_down", &ss::LayerWeights::w_down}};
  for (int l = 0; l < model->config.n_layers; ++l)
    for (int m = 0; m < (sp.mlp ? 7 : 4); ++m) {
      const ss::Tensor& w = model->weights.layers[l].*mats[m].second;
      if (w.rank() != 2) continue;
      const std::string suffix = std::to_string(l) + "." + mats[m].first;
      ts.emplace_back("orig." + suffix, &w);
      ts.emplace_back("comp." + suffix, &(comp.weights.layers[l].*mats[m].second));
    }
  const nlohmann::json spec = {{"kind", kind},           {"sparsity", sp.sparsity},        {"rank", sp.rank},
                               {"ratio", sp.ratio},     {"rank_ratio", sp.oats_rank_ratio}, {"iters", sp.oats_iters},
                               {"mlp", sp.mlp}};
  const nlohmann::json meta = {{"spec", spec.dump()}, {"params_total", std::to_string(rep.params_total)},
                               {"params_kept", std::to_string(rep.params_kept)}};
  if (auto r = ss::cli::write_safetensors(out, ts, meta); !r) return fail(r.error().message);
  std::printf("%s: %s at sparsity %.2f, %lld of %lld parameters kept\n", out.c_str(), ss::compress_kind_name(sp.kind),
              sp.sparsity, static_cast<long long>(rep.params_kept), static_cast<long long>(rep.params_total));
  return 0;
}

ss::cli::RegisterCommand reg("compress", cmd_compress,
                             "compress --model DIR --kind lowrank|oats|sparse [--sparsity 0.5] [--rank R] [--ratio 1] "
                             "[--rank-ratio 0.25] [--iters 8] [--mlp] --out F.safetensors");

}  // namespace
