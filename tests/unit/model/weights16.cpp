// 16-bit weights in memory (core/tensor_storage.h): the conversions are exact
// over every bit pattern, loading keeps an f16 checkpoint's matrices 16-bit
// (half the bytes), and the forward pass over them equals the float32 forward
// bit for bit: demo-lm (f16) with every tap, full and incremental, and a
// bf16 model; the 16-bit kernel equals the float32 one on awkward shapes.
#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <random>

#include "backends/cpu/kernels.h"
#include "core/half.h"
#include "core/parallel.h"
#include "core/tensor_storage.h"
#include "engine/engine.h"
#include "model/loader.h"
#include "support/engine_util.h"

using namespace ss;

namespace {

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape == b.shape && a.data.size() == b.data.size() &&
         std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0;
}

void require_bitwise_taps(const Taps& a, const Taps& b) {
  REQUIRE(a.named.size() == b.named.size());
  for (const auto& [name, t] : a.named) {
    INFO("tap " << name);
    const Tensor* o = b.get(name);
    REQUIRE(o != nullptr);
    CHECK(same_bits(t, *o));
  }
}

int64_t weight_bytes(const Weights& w) {
  int64_t n = storage_bytes(w.tok_emb) + storage_bytes(w.lm_head);
  for (const LayerWeights& lw : w.layers)
    for (const Tensor* t : {&lw.wq, &lw.wk, &lw.wv, &lw.wo, &lw.w_gate, &lw.w_up, &lw.w_down}) n += storage_bytes(*t);
  return n;
}

}  // namespace

TEST_CASE("half: every f16 and bf16 pattern widens exactly and narrows back", "[weights16]") {
  for (uint32_t h = 0; h < 65536; ++h) {
    const uint16_t x = uint16_t(h);
    const float slow = f16_to_float(x), fast = f16_to_float_fast(x);
    REQUIRE(float_bits(slow) == float_bits(fast));  // NaN payloads included
    float w;
    widen_f16(&x, &w, 1);
    REQUIRE(float_bits(w) == float_bits(slow));
    uint16_t back = 0;
    if (slow != slow) {
      CHECK_FALSE(float_to_f16_exact(slow, back));
    } else {
      REQUIRE(float_to_f16_exact(slow, back));
      REQUIRE(back == x);
    }
    const float b = bf16_to_float(x);
    if (b == b) {
      REQUIRE(float_to_bf16_exact(b, back));
      REQUIRE(back == x);
    }
  }
  uint16_t h;
  CHECK_FALSE(float_to_f16_exact(1.0f + 0x1p-20f, h));  // too precise
  CHECK_FALSE(float_to_f16_exact(70000.0f, h));         // too large
  CHECK_FALSE(float_to_f16_exact(0x1p-25f, h));         // below the smallest subnormal
  CHECK(float_to_f16_exact(0x1p-24f, h));               // the smallest subnormal
  CHECK(h == 1);
  CHECK_FALSE(float_to_bf16_exact(1.0f + 0x1p-10f, h));
}

TEST_CASE("linear_16 equals linear bit for bit on awkward shapes, 1 and 2 threads", "[weights16]") {
  std::mt19937 rng(3);
  std::normal_distribution<float> N(0.f, 1.f);
  const int saved = threads();
  for (int th : {1, 2}) {
    set_threads(th);
    for (int64_t n : {1, 3, 5, 6, 7, 13}) {
      for (auto [in, out] : {std::pair<int64_t, int64_t>{19, 37}, {64, 16}, {130, 300}, {256, 257}}) {
        INFO("threads " << th << " n " << n << " in " << in << " out " << out);
        std::vector<float> x(n * in), W(out * in), b(out), y32(n * out), y16(n * out);
        std::vector<uint16_t> Wh(out * in);
        for (float& v : x) v = N(rng);
        for (float& v : b) v = N(rng);
        for (int64_t i = 0; i < out * in; ++i) {
          Wh[i] = uint16_t(rng() & 0x7fff) | (rng() & 1 ? 0x8000 : 0);
          if ((Wh[i] & 0x7c00) == 0x7c00) Wh[i] &= 0xbbff;  // finite weights only
          W[i] = f16_to_float(Wh[i]);
        }
        cpu::linear(x.data(), n, in, W.data(), out, b.data(), y32.data());
        cpu::linear_16(x.data(), n, in, Wh.data(), false, out, b.data(), y16.data());
        REQUIRE(std::memcmp(y32.data(), y16.data(), y32.size() * 4) == 0);
        for (int64_t i = 0; i < out * in; ++i) Wh[i] = uint16_t(float_bits(W[i] * 0.01f) >> 16), W[i] = bf16_to_float(Wh[i]);
        cpu::linear(x.data(), n, in, W.data(), out, nullptr, y32.data());
        cpu::linear_16(x.data(), n, in, Wh.data(), true, out, nullptr, y16.data());
        REQUIRE(std::memcmp(y32.data(), y16.data(), y32.size() * 4) == 0);
      }
    }
  }
  set_threads(saved);
}

TEST_CASE("demo-lm: matrices load 16-bit, half the bytes, every tap bit for bit the float32 forward", "[weights16][golden]") {
  auto loaded = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm");
  REQUIRE(loaded.ok());
#if defined(__EMSCRIPTEN__)
  CHECK(loaded->weights.layers[0].wq.is_f32());  // wasm keeps f16 16-bit only for big models (map_families.cpp)
#else
  CHECK(loaded->weights.layers[0].wq.storage == Storage::f16);
#endif
  Model m32 = *loaded;
  widen_weights(m32.weights);
  auto m16 = std::make_unique<Model>(m32);
  CHECK(compact_weights(m16->weights) == 2 + 7 * m16->config.n_layers);  // every matrix of demo-lm is f16
  const LayerWeights& l0 = m16->weights.layers[0];
  for (const Tensor* t : std::initializer_list<const Tensor*>{&l0.wq, &l0.wk, &l0.wv, &l0.wo, &l0.w_up, &l0.w_down, &m16->weights.tok_emb}) {
    CHECK(t->storage == Storage::f16);
    CHECK(t->data.empty());
  }
  CHECK(m32.weights.layers[0].wq.is_f32());
  CHECK(weight_bytes(m16->weights) * 2 == weight_bytes(m32.weights));
  std::vector<int32_t> ids;
  for (int i = 0; i < 40; ++i) ids.push_back((i * 37 + 11) % int(m16->config.vocab_size));
  for (int th : {1, 2}) {
    INFO("threads " << th);
    const int saved = threads();
    set_threads(th);
    Engine e16, e32;
    for (size_t n : {32, 33, 40}) {  // a full pass, then two incremental ones (one token, then seven)
      INFO("T " << n);
      std::span<const int32_t> p(ids.data(), n);
      auto a = e16.run(*m16, p);
      auto b = e32.run(m32, p);
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      require_bitwise_taps(**a, **b);
    }
    CHECK(e16.stats().incremental_passes == 2);
    set_threads(saved);
  }
}

TEST_CASE("a bf16 model: matrices kept bf16, forward bit for bit the float32 one", "[weights16]") {
  auto m = load_model_dir(testing::tiny_dir("llama"));
  REQUIRE(m.ok());
  Model m32 = *m;
  widen_weights(m32.weights);
  // Round every matrix to bfloat16 values (still float32 storage), then a copy compacted.
  auto to_bf16_values = [](Tensor& t) {
    for (float& v : t.data) v = bf16_to_float(uint16_t(float_bits(v) >> 16));
  };
  for (LayerWeights& lw : m32.weights.layers)
    for (Tensor* t : {&lw.wq, &lw.wk, &lw.wv, &lw.wo, &lw.w_gate, &lw.w_up, &lw.w_down}) to_bf16_values(*t);
  to_bf16_values(m32.weights.tok_emb), to_bf16_values(m32.weights.lm_head);
  Model m16 = m32;
  for (LayerWeights& lw : m16.weights.layers)
    for (Tensor* t : {&lw.wq, &lw.wk, &lw.wv, &lw.wo, &lw.w_gate, &lw.w_up, &lw.w_down}) {
      REQUIRE(compact_16bit(*t));
      CHECK(t->storage == Storage::bf16);
    }
  REQUIRE(compact_16bit(m16.weights.tok_emb));
  REQUIRE(compact_16bit(m16.weights.lm_head));
  const std::vector<int32_t> ids{1, 17, 4, 88, 23, 5, 61, 9, 33, 2, 70, 45, 12};
  Engine e16, e32;
  auto a = e16.run(m16, ids);
  auto b = e32.run(m32, ids);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  require_bitwise_taps(**a, **b);
}

TEST_CASE("compact_16bit keeps float32 when a value would round", "[weights16]") {
  Tensor t({2, 3});
  for (int i = 0; i < 6; ++i) t.data[i] = 0.5f * i;
  Tensor u = t;
  u.data[5] = 1.0f + 0x1p-20f;  // neither bf16 nor f16 holds it
  CHECK_FALSE(compact_16bit(u));
  CHECK(u.is_f32());
  CHECK(u.data[5] == 1.0f + 0x1p-20f);
  REQUIRE(compact_16bit(t));
  CHECK(t.storage == Storage::bf16);  // 0, 0.5, ..., 2.5 all fit bf16
  CHECK(to_f32(t).data == std::vector<float>{0.f, 0.5f, 1.f, 1.5f, 2.f, 2.5f});
  CHECK(t.numel() == 6);
}
