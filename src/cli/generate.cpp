// sinkscope-cli generate: sample text from a model. Each new token is one
// incremental Engine step (KV cache), so the cost per token is one row.
//   generate --model DIR --prompt TEXT -n N [--temperature T] [--seed S] [--bos] [--timings]
// temperature 0 is greedy (argmax).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/file.h"
#include "engine/engine.h"
#include "model/loader.h"
#include "tokenizer/tokenizer.h"

namespace {

using namespace ss;

int fail(const std::string& msg) {
  std::fprintf(stderr, "sinkscope-cli generate: %s\n", msg.c_str());
  return 1;
}

int32_t sample(const float* logits, int V, float temperature, std::mt19937& rng) {
  int32_t best = 0;
  for (int i = 1; i < V; ++i)
    if (logits[i] > logits[best]) best = i;
  if (temperature <= 0) return best;
  std::vector<double> p(V);
  double sum = 0;
  for (int i = 0; i < V; ++i) sum += p[i] = std::exp((logits[i] - logits[best]) / temperature);
  std::uniform_real_distribution<double> u(0.0, sum);
  double r = u(rng);
  for (int i = 0; i < V; ++i)
    if ((r -= p[i]) <= 0) return i;
  return V - 1;
}

int generate_main(int argc, char** argv) {
  std::string model_dir, prompt;
  bool have_prompt = false, bos = false, timings = false;
  long n = 20;
  double temperature = 1.0;
  unsigned long seed = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--bos") { bos = true; continue; }
    if (a == "--timings") { timings = true; continue; }
    if (i + 1 >= argc) return fail(a == "--model" || a == "--prompt" || a == "-n" || a == "--temperature" || a == "--seed"
                                       ? a + " needs a value" : "unknown option '" + a + "'");
    std::string v = argv[++i];
    char* end = nullptr;
    if (a == "--model") model_dir = v;
    else if (a == "--prompt") prompt = v, have_prompt = true;
    else if (a == "-n") {
      n = std::strtol(v.c_str(), &end, 10);
      if (*end || n < 0 || n > 100000) return fail("-n: '" + v + "' is not a token count");
    } else if (a == "--temperature") {
      temperature = std::strtod(v.c_str(), &end);
      if (*end || !(temperature >= 0)) return fail("--temperature: '" + v + "' is not a non-negative number");
    } else if (a == "--seed") {
      seed = std::strtoul(v.c_str(), &end, 10);
      if (*end) return fail("--seed: '" + v + "' is not an integer");
    } else return fail("unknown option '" + a + "'");
  }
  if (model_dir.empty() || !have_prompt) return fail("--model DIR and --prompt TEXT are required");
  auto model = load_model_dir(model_dir);
  if (!model) return fail(model.error().message);
  if (model->config.family == Family::Averaging) return fail("averaging models do not generate text");
  auto text = read_text_file(model_dir + "/tokenizer.json");
  if (!text) return fail(text.error().message);
  auto tok = load_tokenizer_for(*text, model->config);
  if (!tok) return fail("tokenizer.json: " + tok.error().message);
  std::vector<int32_t> ids = tok->encode(prompt, bos).ids;
  if (ids.empty()) return fail("the prompt has no tokens (try --bos)");
  const size_t prompt_len = ids.size();

  Engine engine;
  TapFilter only_logits;
  only_logits.all = false;
  std::mt19937 rng(static_cast<uint32_t>(seed));
  const int V = model->config.vocab_size;
  auto t0 = std::chrono::steady_clock::now();
  for (long step = 0; step < n; ++step) {
    if (model->config.learned_pos && static_cast<int64_t>(ids.size()) >= model->config.max_positions) break;
    auto r = engine.run(*model, ids, {}, only_logits);
    if (!r) return fail(r.error().message);
    const Tensor& logits = *(*r)->get("logits");  // [T, V]
    ids.push_back(sample(logits.ptr() + (logits.dim(0) - 1) * V, V, static_cast<float>(temperature), rng));
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::string out = tok->decode(ids);
  std::printf("%s\n", out.c_str());
  if (timings)
    std::fprintf(stderr, "generated %zu tokens in %.1f ms (%.1f tokens/s; prompt %zu tokens)\n", ids.size() - prompt_len, ms,
                 (ids.size() - prompt_len) / (ms / 1000.0), prompt_len);
  return 0;
}

ss::cli::RegisterCommand reg("generate", generate_main,
                             "generate --model DIR --prompt TEXT -n N [--temperature T] [--seed S] [--bos] [--timings]");

}  // namespace
