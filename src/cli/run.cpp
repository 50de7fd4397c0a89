// sinkscope-cli run: one forward pass, taps printed as one JSON object.
//   run --model DIR (--prompt TEXT | --ids 1,2,3 | --inputs x,x,...) [--bos]
//       [--taps NAME,NAME] [--format json] [--timings]
// --inputs is for averaging models: the rows [T, W] flattened row-major
// (W = d_input + 1, [SEP] flag last, or the config's wider encoding); "ids"
// and "tokens" are then empty.
// Taps are named as in engine/taps.h; a bare suffix ("attn_pattern") means
// every layer. Floats are printed with %.9g (round-trips float32); masked
// attention scores (-inf) are printed as null, since JSON has no infinity.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "core/file.h"
#include "engine/backend.h"
#include "model/loader.h"
#include "tokenizer/tokenizer.h"

namespace {

using namespace ss;
using ss::cli::parse_ids;
using ss::cli::parse_inputs;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

int fail(const std::string& msg) {
  std::fprintf(stderr, "sinkscope-cli run: %s\n", msg.c_str());
  return 1;
}

// JSON string with control characters escaped and invalid UTF-8 replaced by
// U+FFFD (byte-level tokens can be partial characters).
void put_json_string(std::string& out, const std::string& s) {
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char ch = p[i];
    if (ch < 0x80) {
      if (ch == '"' || ch == '\\') out += '\\', out += static_cast<char>(ch);
      else if (ch < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", ch);
        out += buf;
      } else out += static_cast<char>(ch);
      ++i;
      continue;
    }
    int len = ch >= 0xf0 && ch <= 0xf4 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc2 && ch <= 0xdf ? 2 : 0;
    bool ok = len && i + len <= n;
    for (int k = 1; ok && k < len; ++k) ok = (p[i + k] & 0xc0) == 0x80;
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  out += '"';
}

void put_tensor(std::string& out, const Tensor& t, size_t dim, size_t& offset) {
  if (dim == t.shape.size()) {
    float v = t.data[offset++];
    if (!std::isfinite(v)) {
      out += "null";
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.9g", v);
      out += buf;
    }
    return;
  }
  out += '[';
  for (int64_t i = 0; i < t.shape[dim]; ++i) {
    if (i) out += ',';
    put_tensor(out, t, dim + 1, offset);
  }
  out += ']';
}

int run_main(int argc, char** argv) {
  std::string model_dir, prompt, ids_arg, taps_arg, inputs_arg, format = "json";
  bool have_prompt = false, bos = false, timings = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--bos") bos = true;
    else if (a == "--timings") timings = true;
    else if (a == "--model" || a == "--prompt" || a == "--ids" || a == "--taps" || a == "--format" || a == "--inputs") {
      if (!(v = next())) return fail(a + " needs a value");
      if (a == "--model") model_dir = v;
      else if (a == "--prompt") prompt = v, have_prompt = true;
      else if (a == "--ids") ids_arg = v;
      else if (a == "--taps") taps_arg = v;
      else if (a == "--inputs") inputs_arg = v;
      else format = v;
    } else return fail("unknown option '" + a + "'");
  }
  if (model_dir.empty()) return fail("--model DIR is required");
  if (int(have_prompt) + int(!ids_arg.empty()) + int(!inputs_arg.empty()) != 1)
    return fail("give exactly one of --prompt TEXT, --ids 1,2,3 or --inputs x,x,...");
  if (format != "json") return fail("--format: only 'json' is supported");

  StageTimes times;
  auto t0 = Clock::now();
  auto model = load_model_dir(model_dir);
  if (!model) return fail(model.error().message);
  const bool averaging = model->config.family == Family::Averaging;
  if (averaging != !inputs_arg.empty())
    return fail(averaging ? "averaging models take input vectors (--inputs), not text or ids" : "--inputs is for averaging models");
  times.add("load", ms_since(t0));

  // The tokenizer is needed for --prompt, and for readable tokens with --ids.
  t0 = Clock::now();
  std::unique_ptr<Tokenizer> tok;
  if (averaging) {
    // no tokenizer: the rows are vectors
  } else if (auto text = read_text_file(model_dir + "/tokenizer.json")) {
    auto t = Tokenizer::from_json(*text);
    if (!t) return fail("tokenizer.json: " + t.error().message);
    tok = std::make_unique<Tokenizer>(std::move(*t));
    if (tok->bos_id() < 0 && model->config.bos_token_id >= 0) tok->set_bos_id(model->config.bos_token_id);
  } else if (have_prompt) {
    return fail(text.error().message + " (needed for --prompt)");
  }
  times.add("load tokenizer", ms_since(t0));
  t0 = Clock::now();
  std::vector<int32_t> ids;
  Tensor inputs;  // [T, d_input + 1] (averaging only)
  if (averaging) {
    // Rows as wide as the embedding's input (d_input + 1, plus any marker columns the config adds).
    auto parsed = parse_inputs(inputs_arg, model->weights.tok_emb.dim(0));
    if (!parsed) return fail(parsed.error().message);
    inputs = std::move(*parsed);
  } else if (have_prompt) {
    ids = tok->encode(prompt, bos).ids;
  } else {
    auto parsed = parse_ids(ids_arg);
    if (!parsed) return fail(parsed.error().message);
    ids = std::move(*parsed);  // exactly as given: --bos does not apply
  }
  if (ids.empty() && !averaging) return fail("the prompt has no tokens");
  times.add("tokenize", ms_since(t0));

  TapFilter filter;
  std::vector<std::string> wanted;
  if (!taps_arg.empty()) {
    filter.all = false;
    size_t i = 0;
    while (i <= taps_arg.size()) {
      size_t j = taps_arg.find(',', i);
      if (j == std::string::npos) j = taps_arg.size();
      if (j > i) wanted.push_back(taps_arg.substr(i, j - i)), filter.names.insert(wanted.back());
      i = j + 1;
    }
  } else {
    filter.all = false;
    wanted = {"logits"};
  }

  auto backend = make_cpu_backend();
  if (timings) backend->set_timings(&times);
  Taps taps;
  if (auto r = averaging ? backend->forward_inputs(*model, inputs, {}, filter, taps) : backend->forward(*model, ids, {}, filter, taps); !r)
    return fail(r.error().message);

  // Only what was asked for (logits are always computed), in engine order.
  std::vector<const std::pair<const std::string, Tensor>*> out_taps;
  for (const auto& kv : taps.named) {
    bool asked = false;
    for (const auto& w : wanted) {
      TapFilter one;
      one.all = false;
      one.names = {w};
      asked |= kv.first == w || (kv.first != "logits" && one.wants(kv.first));
    }
    if (asked) out_taps.push_back(&kv);
  }
  for (const auto& w : wanted) {
    bool found = false;
    for (auto* kv : out_taps) {
      TapFilter one;
      one.all = false;
      one.names = {w};
      found |= kv->first == w || (kv->first != "logits" && one.wants(kv->first));
    }
    if (!found) return fail("unknown tap '" + w + "' (names as in engine/taps.h, e.g. logits, attn_pattern, blocks.0.resid_post)");
  }

  std::string out = "{\"ids\":[";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  out += "],\"tokens\":[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    put_json_string(out, tok ? tok->token_text(ids[i]) : std::to_string(ids[i]));
  }
  out += "],\"taps\":{";
  bool first = true;
  for (auto* kv : out_taps) {
    if (!first) out += ',';
    first = false;
    put_json_string(out, kv->first);
    out += ':';
    size_t off = 0;
    put_tensor(out, kv->second, 0, off);
  }
  out += "}}\n";
  std::fwrite(out.data(), 1, out.size(), stdout);

  if (timings) {
    double total = 0;
    std::fprintf(stderr, "timings (%zu tokens, model %s):\n", averaging ? size_t(inputs.dim(0)) : ids.size(), model->name.c_str());
    for (const auto& [name, ms] : times.stages) {
      std::fprintf(stderr, "  %-22s %9.3f ms\n", name.c_str(), ms);
      total += ms;
    }
    std::fprintf(stderr, "  %-22s %9.3f ms\n", "total", total);
  }
  return 0;
}

ss::cli::RegisterCommand reg("run", run_main,
                             "run --model DIR (--prompt TEXT | --ids 1,2,3 | --inputs x,x,...) [--bos] [--taps NAME,NAME] [--format json] [--timings]");

}  // namespace
