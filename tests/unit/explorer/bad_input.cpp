// The bad-input suite (tests/BAD_INPUTS.md): every case feeds the
// session layer (explorer/session.h, as the page and the native app use it) a
// broken file or prompt, checks the message in words, and checks that what
// the user had before (model, results, selection) is still there.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "explorer/app_state.h"
#include "explorer/context_limit.h"
#include "explorer/session.h"
#include "core/json.h"

using Catch::Matchers::Contains;
using ss::explorer::AppState;

namespace {

const std::string kModelDir = std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/models/tiny-chars";

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f);
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

struct Files {
  std::string config = slurp(kModelDir + "/config.json");
  std::string tokenizer = slurp(kModelDir + "/tokenizer.json");
  std::vector<uint8_t> safetensors = [] {
    std::string s = slurp(kModelDir + "/model.safetensors");
    return std::vector<uint8_t>(s.begin(), s.end());
  }();
};

auto load(const Files& f) {
  return ss::explorer::load_model_bytes("tiny-chars", f.config, f.tokenizer, f.safetensors);
}

// A state with the good model loaded and one prompt analysed: what a bad
// input must not take away.
struct Loaded {
  AppState s;
  std::shared_ptr<const ss::explorer::LoadedModel> model;
  std::shared_ptr<const ss::explorer::Results> results;
  Loaded() {
    ss::explorer::install_model(s, load(Files{}));
    REQUIRE(s.model);
    s.set_prompt("The sky is blue.");
    ss::explorer::update(s);
    REQUIRE(s.ready);
    REQUIRE(s.results);
    REQUIRE(s.results->has_taps);
    s.sel.layer = 1;
    s.sel.head = 2;
    model = s.model;
    results = s.results;
  }
  // A failed load: the message is shown and nothing else changed.
  void check_kept(const std::string& message) const {
    CHECK(s.last_error == message);
    CHECK(s.model == model);
    CHECK(s.results == results);
    CHECK(s.ready);
    CHECK(s.sel.layer == 1);
    CHECK(s.sel.head == 2);
    CHECK(s.prompt == "The sky is blue.");
  }
};

// Rewrites the safetensors header through `edit` and keeps the data bytes.
template <class Edit>
std::vector<uint8_t> edit_header(const std::vector<uint8_t>& file, Edit edit) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | file[i];
  auto j = ss::json::parse(std::string_view(reinterpret_cast<const char*>(file.data() + 8), n), "test");
  REQUIRE(j);
  edit(*j);
  const std::string h = j->dump();
  std::vector<uint8_t> out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(h.size() >> (8 * i));
  out.insert(out.end(), h.begin(), h.end());
  out.insert(out.end(), file.begin() + 8 + static_cast<std::ptrdiff_t>(n), file.end());
  return out;
}

// Writes `v` over element `i` of tensor `name` (an F32 tensor).
void poke_float(std::vector<uint8_t>& file, const std::string& name, size_t i, float v) {
  uint64_t n = 0;
  for (int k = 7; k >= 0; --k) n = (n << 8) | file[k];
  auto j = ss::json::parse(std::string_view(reinterpret_cast<const char*>(file.data() + 8), n), "test");
  REQUIRE(j);
  REQUIRE((*j)[name]["dtype"] == "F32");
  const uint64_t begin = (*j)[name]["data_offsets"][0].get<uint64_t>();
  std::memcpy(file.data() + 8 + n + begin + 4 * i, &v, 4);
}

// Installs a failing load into `l` and returns the error it reported.
std::string fail_into(Loaded& l, ss::Expected<std::shared_ptr<const ss::explorer::LoadedModel>> m) {
  REQUIRE_FALSE(m.ok());
  std::string msg = m.error().message;
  ss::explorer::install_model(l.s, std::move(m));
  l.check_kept(msg);
  return msg;
}

}  // namespace

TEST_CASE("bad input: truncated safetensors keeps the loaded model", "[bad-input]") {
  Loaded l;
  Files f;
  f.safetensors.resize(f.safetensors.size() / 2);  // a download cut half-way
  std::string msg = fail_into(l, load(f));
  CHECK_THAT(msg, Contains("model 'tiny-chars'") && Contains("truncated") && Contains("model.safetensors"));
  f.safetensors.resize(5);  // not even the 8-byte length
  CHECK_THAT(fail_into(l, load(f)), Contains("too short"));
}

TEST_CASE("bad input: a header announcing 40 GB is refused with its size, before allocating", "[bad-input]") {
  Loaded l;
  Files f;
  // 40 GiB of F32 in one tensor; the file itself stays 88 KB.
  f.safetensors = edit_header(f.safetensors, [](ss::json::Json& h) {
    h["lm_head.weight"]["shape"] = {10737418240ull / 32, 32};  // 40 GiB / 4 bytes
    h["lm_head.weight"]["data_offsets"] = {0ull, 42949672960ull};
  });
  std::string msg = fail_into(l, load(f));
  CHECK_THAT(msg, Contains("40.0 GB") && Contains("refused before loading"));
}

TEST_CASE("bad input: bytes after the last tensor (an oversized file) are refused", "[bad-input]") {
  Loaded l;
  Files f;
  f.safetensors.insert(f.safetensors.end(), 1000, 0x41);
  CHECK_THAT(fail_into(l, load(f)), Contains("1000 bytes follow the last tensor"));
}

TEST_CASE("bad input: a weight of the wrong dtype is named", "[bad-input]") {
  Loaded l;
  Files f;
  f.safetensors = edit_header(f.safetensors, [](ss::json::Json& h) { h["lm_head.weight"]["dtype"] = "I32"; });
  CHECK_THAT(fail_into(l, load(f)), Contains("lm_head.weight") && Contains("dtype I32") &&
                                        Contains("must be F32, F16 or BF16"));
}

TEST_CASE("bad input: NaN and Inf weights are refused at load with the tensor's name", "[bad-input]") {
  Loaded l;
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    Files f;
    poke_float(f.safetensors, "model.layers.1.mlp.up_proj.weight", 7, bad);
    std::string msg = fail_into(l, load(f));
    INFO(msg);
    CHECK_THAT(msg, Contains("model.layers.1.mlp.up_proj.weight") && Contains("non-finite") &&
                        Contains("element 7"));
  }
}

TEST_CASE("bad input: a tokenizer from another model (vocab size mismatch)", "[bad-input]") {
  Loaded l;
  Files f;
  f.tokenizer = slurp(std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/tokenizer/gpt2-style/tokenizer.json");
  std::string msg = fail_into(l, load(f));
  CHECK_THAT(msg, Contains("tokenizer.json") && Contains("1500 tokens") && Contains("vocab_size 96") &&
                      Contains("another model"));
}

TEST_CASE("bad input: config.json that is not JSON, or not a model", "[bad-input]") {
  Loaded l;
  Files f;
  f.config = "{\"model_type\": \"llama\", \"hidden_size\": 32,";  // cut mid-way
  CHECK_THAT(fail_into(l, load(f)), Contains("model 'tiny-chars'"));
  f.config = "[1, 2, 3]";
  CHECK_FALSE(fail_into(l, load(f)).empty());
}

TEST_CASE("bad input: a failed first load leaves no model and says why", "[bad-input]") {
  AppState s;
  Files f;
  f.safetensors.resize(100);
  auto m = load(f);
  REQUIRE_FALSE(m.ok());
  const std::string msg = m.error().message;
  ss::explorer::install_model(s, std::move(m));
  CHECK_FALSE(s.model);
  CHECK_FALSE(s.ready);
  CHECK(s.last_error == msg);
  ss::explorer::update(s);  // no model: nothing to run, no crash
  CHECK_FALSE(s.results);
}

TEST_CASE("bad input: a 100,000-character prompt is cut to the model's context with a notice", "[bad-input]") {
  Loaded l;
  const int ctx = ss::explorer::context_limit(l.model->model.config);
  REQUIRE(ctx == 1024);
  std::string big;
  while (big.size() < 100000) big += "The sky is blue. Grass is green.\n";
  big.resize(100000);
  l.s.set_prompt(big);
  ss::explorer::update(l.s);
  REQUIRE(l.s.results);
  CHECK(l.s.results->has_taps);
  CHECK(l.s.last_error.empty());
  CHECK(l.s.token_count == ctx);
  CHECK(l.s.results->tokens.ids.size() == static_cast<size_t>(ctx));
  CHECK(l.s.results->tokens.ranges.back().second <= static_cast<int32_t>(big.size()));
  CHECK_THAT(l.s.notice, Contains("truncated") && Contains("1024 tokens") && Contains("(it has 100001)"));
  CHECK(l.s.prompt == big);  // the text itself is kept: deleting brings the analysis back
  CHECK(l.s.model == l.model);
  // A prompt that fits clears the notice.
  l.s.set_prompt("The sky is blue.");
  ss::explorer::update(l.s);
  CHECK(l.s.notice.empty());
  CHECK(l.s.token_count == static_cast<int>(l.results->tokens.ids.size()));
}

TEST_CASE("bad input: invalid UTF-8 and control characters are analysed, not fatal", "[bad-input]") {
  Loaded l;
  const std::string nasty = std::string("ok \xff\xfe \xc3( \xe2\x82 ") + std::string(1, '\0') +
                            "\x01\x1b[31mred\x7f\t\r\n\xed\xa0\x80 end";
  l.s.set_prompt(nasty);
  ss::explorer::update(l.s);
  REQUIRE(l.s.results);
  CHECK(l.s.results->has_taps);
  CHECK(l.s.last_error.empty());
  const auto& t = l.s.results->tokens;
  REQUIRE(t.ids.size() > 10);
  CHECK(t.texts.size() == t.ids.size());
  for (auto [b, e] : t.ranges) {
    CHECK(b >= 0);
    CHECK(b <= e);
    CHECK(e <= static_cast<int32_t>(nasty.size()));
  }
  CHECK(l.s.model == l.model);
}

TEST_CASE("bad input: an empty prompt runs (BOS only) and the next prompt works", "[bad-input]") {
  Loaded l;
  l.s.set_prompt("");
  ss::explorer::update(l.s);
  REQUIRE(l.s.results);
  CHECK(l.s.last_error.empty());
  CHECK(l.s.ready);
  CHECK(l.s.token_count == (l.model->tokenizer.bos_id() >= 0 ? 1 : 0));
  l.s.settings.add_bos = false;  // no BOS either: zero tokens, no forward pass
  l.s.set_prompt(" ");
  l.s.set_prompt("");
  ss::explorer::update(l.s);
  CHECK(l.s.token_count == 0);
  CHECK(l.s.last_error.empty());
  l.s.settings.add_bos = true;
  l.s.set_prompt("The sky is blue.");
  ss::explorer::update(l.s);
  CHECK(l.s.results->has_taps);
  CHECK(l.s.token_count == static_cast<int>(l.results->tokens.ids.size()));
}
