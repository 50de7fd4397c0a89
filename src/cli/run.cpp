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
#include <memory>
#include <string>
#include <utility>
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

// The command line, as given.
struct RunOptions {
  std::string model_dir, prompt, ids_arg, taps_arg, inputs_arg, format = "json";
  bool have_prompt = false, bos = false, timings = false;
};

// What one run builds up, step by step.
struct RunState {
  Model model;
  bool averaging = false;           // the model reads input vectors, not token ids
  std::unique_ptr<Tokenizer> tok;   // null for averaging models, or --ids without a tokenizer.json
  std::vector<int32_t> ids;         // [T] token ids (empty for averaging models)
  Tensor inputs;                    // [T, d_input + 1] (averaging only)
  TapFilter filter;                 // what the forward pass keeps
  std::vector<std::string> wanted;  // tap names as asked for, in order
  Taps taps;
  std::vector<const std::pair<const std::string, Tensor>*> out_taps;  // into `taps`: the ones printed
  StageTimes times;
};

// Each step returns 0 to go on, or the exit code after printing why not.

int parse_options(int argc, char** argv, RunOptions& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--bos") o.bos = true;
    else if (a == "--timings") o.timings = true;
    else if (a == "--model" || a == "--prompt" || a == "--ids" || a == "--taps" || a == "--format" || a == "--inputs") {
      if (!(v = next())) return fail(a + " needs a value");
      if (a == "--model") o.model_dir = v;
      else if (a == "--prompt") o.prompt = v, o.have_prompt = true;
      else if (a == "--ids") o.ids_arg = v;
      else if (a == "--taps") o.taps_arg = v;
      else if (a == "--inputs") o.inputs_arg = v;
      else o.format = v;
    } else return fail("unknown option '" + a + "'");
  }
  if (o.model_dir.empty()) return fail("--model DIR is required");
  if (int(o.have_prompt) + int(!o.ids_arg.empty()) + int(!o.inputs_arg.empty()) != 1)
    return fail("give exactly one of --prompt TEXT, --ids 1,2,3 or --inputs x,x,...");
  if (o.format != "json") return fail("--format: only 'json' is supported");
  return 0;
}

// The model decides which input is valid: vectors for averaging models, text or ids otherwise.
int load_model(const RunOptions& o, RunState& st) {
  auto t0 = Clock::now();
  auto model = load_model_dir(o.model_dir);
  if (!model) return fail(model.error().message);
  st.model = std::move(*model);
  st.averaging = st.model.config.family == Family::Averaging;
  if (st.averaging != !o.inputs_arg.empty())
    return fail(st.averaging ? "averaging models take input vectors (--inputs), not text or ids" : "--inputs is for averaging models");
  st.times.add("load", ms_since(t0));
  return 0;
}

// The tokenizer is needed for --prompt, and for readable tokens with --ids.
int load_tokenizer(const RunOptions& o, RunState& st) {
  auto t0 = Clock::now();
  if (st.averaging) {
    // no tokenizer: the rows are vectors
  } else if (auto text = read_text_file(o.model_dir + "/tokenizer.json")) {
    auto t = load_tokenizer_for(*text, st.model.config);
    if (!t) return fail("tokenizer.json: " + t.error().message);
    st.tok = std::make_unique<Tokenizer>(std::move(*t));
  } else if (o.have_prompt) {
    return fail(text.error().message + " (needed for --prompt)");
  }
  st.times.add("load tokenizer", ms_since(t0));
  return 0;
}

// The rows the forward pass embeds: st.inputs for averaging models, st.ids otherwise.
int make_rows(const RunOptions& o, RunState& st) {
  auto t0 = Clock::now();
  if (st.averaging) {
    // Rows as wide as the embedding's input (d_input + 1, plus any marker columns the config adds).
    auto parsed = parse_inputs(o.inputs_arg, st.model.weights.tok_emb.dim(0));
    if (!parsed) return fail(parsed.error().message);
    st.inputs = std::move(*parsed);
  } else if (o.have_prompt) {
    st.ids = st.tok->encode(o.prompt, o.bos).ids;
  } else {
    auto parsed = parse_ids(o.ids_arg);
    if (!parsed) return fail(parsed.error().message);
    st.ids = std::move(*parsed);  // exactly as given: --bos does not apply
  }
  if (st.ids.empty() && !st.averaging) return fail("the prompt has no tokens");
  st.times.add("tokenize", ms_since(t0));
  return 0;
}

// --taps a,b,c (empty names skipped); without it, only the logits. The filter
// never keeps everything, so the backend computes only what is printed.
void choose_taps(const std::string& taps_arg, RunState& st) {
  st.filter.all = false;
  if (taps_arg.empty()) {
    st.wanted = {"logits"};
    return;
  }
  size_t i = 0;
  while (i <= taps_arg.size()) {
    size_t j = taps_arg.find(',', i);
    if (j == std::string::npos) j = taps_arg.size();
    if (j > i) st.wanted.push_back(taps_arg.substr(i, j - i)), st.filter.names.insert(st.wanted.back());
    i = j + 1;
  }
}

int forward(const RunOptions& o, RunState& st) {
  auto backend = make_cpu_backend();
  if (o.timings) backend->set_timings(&st.times);
  if (auto r = st.averaging ? backend->forward_inputs(st.model, st.inputs, {}, st.filter, st.taps)
                            : backend->forward(st.model, st.ids, {}, st.filter, st.taps);
      !r)
    return fail(r.error().message);
  return 0;
}

// Whether tap `name` answers the asked-for `w`: the full name, or a suffix
// meaning every layer. "logits" counts only when asked for by name, since the
// backend always computes it.
bool tap_matches(const std::string& name, const std::string& w) {
  TapFilter one;
  one.all = false;
  one.names = {w};
  return name == w || (name != "logits" && one.wants(name));
}

// Only what was asked for, in engine order; a name that matched nothing is an error.
int select_taps(RunState& st) {
  for (const auto& kv : st.taps.named) {
    bool asked = false;
    for (const auto& w : st.wanted) asked |= tap_matches(kv.first, w);
    if (asked) st.out_taps.push_back(&kv);
  }
  for (const auto& w : st.wanted) {
    bool found = false;
    for (auto* kv : st.out_taps) found |= tap_matches(kv->first, w);
    if (!found) return fail("unknown tap '" + w + "' (names as in engine/taps.h, e.g. logits, attn_pattern, blocks.0.resid_post)");
  }
  return 0;
}

// {"ids":[...],"tokens":[...],"taps":{name:nested arrays,...}} on one line, written at once.
void write_json(const RunState& st) {
  std::string out = "{\"ids\":[";
  for (size_t i = 0; i < st.ids.size(); ++i) out += (i ? "," : "") + std::to_string(st.ids[i]);
  out += "],\"tokens\":[";
  for (size_t i = 0; i < st.ids.size(); ++i) {
    if (i) out += ',';
    put_json_string(out, st.tok ? st.tok->token_text(st.ids[i]) : std::to_string(st.ids[i]));
  }
  out += "],\"taps\":{";
  bool first = true;
  for (auto* kv : st.out_taps) {
    if (!first) out += ',';
    first = false;
    put_json_string(out, kv->first);
    out += ':';
    size_t off = 0;
    put_tensor(out, kv->second, 0, off);
  }
  out += "}}\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

// On stderr, so stdout stays one JSON object.
void print_timings(const RunState& st) {
  double total = 0;
  std::fprintf(stderr, "timings (%zu tokens, model %s):\n", st.averaging ? size_t(st.inputs.dim(0)) : st.ids.size(),
               st.model.name.c_str());
  for (const auto& [name, ms] : st.times.stages) {
    std::fprintf(stderr, "  %-22s %9.3f ms\n", name.c_str(), ms);
    total += ms;
  }
  std::fprintf(stderr, "  %-22s %9.3f ms\n", "total", total);
}

int run_main(int argc, char** argv) {
  RunOptions opt;
  if (int rc = parse_options(argc, argv, opt)) return rc;
  RunState st;
  if (int rc = load_model(opt, st)) return rc;
  if (int rc = load_tokenizer(opt, st)) return rc;
  if (int rc = make_rows(opt, st)) return rc;
  choose_taps(opt.taps_arg, st);
  if (int rc = forward(opt, st)) return rc;
  if (int rc = select_taps(st)) return rc;
  write_json(st);
  if (opt.timings) print_timings(st);
  return 0;
}

ss::cli::RegisterCommand reg("run", run_main,
                             "run --model DIR (--prompt TEXT | --ids 1,2,3 | --inputs x,x,...) [--bos] [--taps NAME,NAME] [--format json] [--timings]");

}  // namespace
