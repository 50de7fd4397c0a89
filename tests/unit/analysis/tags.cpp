// Several sinks of one head (src/analysis/multi_sink.h): handoffs on a
// constructed pattern, tag cosines of identical, opposite and orthogonal tags.
#include <catch2/catch.hpp>

#include "analysis/multi_sink.h"
#include "analysis/report_second_half.h"

using namespace ss;
using Catch::Matchers::WithinAbs;

namespace {
// Pattern [T, T]: 0.7 on the owner, 0.2 on a second key, 0.1 on the query
// itself. Owners: queries 1-2 key 0, 3-8 key 3, 9-11 key 9, 12- key 0 again;
// the second key is 0 up to query 8, then 3.
std::vector<float> three_sink_pattern(int T) {
  std::vector<float> A(size_t(T) * T, 0.f);  // [T, T]
  A[0] = 1.f;
  for (int i = 1; i < T; ++i) {
    const int key = i < 3 ? 0 : i < 9 ? 3 : i < 12 ? 9 : 0, second = i < 9 ? 0 : 3;
    A[size_t(i) * T + key] += 0.7f;
    A[size_t(i) * T + second] += 0.2f;
    A[size_t(i) * T + i] += 0.1f;
  }
  return A;
}
}  // namespace

TEST_CASE("handoffs: where the argmax among a head's sinks moves", "[handoffs]") {
  const int T = 14;
  const std::vector<float> A = three_sink_pattern(T);
  const std::vector<Handoff> h = handoffs(A.data(), T, {0, 3, 9}, 2, 1);
  REQUIRE(h.size() == 3);
  CHECK((h[0].query == 3 && h[0].from == 0 && h[0].to == 3));
  CHECK((h[1].query == 9 && h[1].from == 3 && h[1].to == 9));
  CHECK((h[2].query == 12 && h[2].from == 9 && h[2].to == 0));
  CHECK((h[0].layer == 2 && h[0].head == 1));
  CHECK_THAT(h[1].to_attention, WithinAbs(0.7 + 0.1, 1e-6));  // query 9 on itself: owner and self
  CHECK_THAT(h[1].from_attention, WithinAbs(0.2, 1e-6));
  // One sink: no handoff.
  CHECK(handoffs(A.data(), T, {0}, 0, 0).empty());
  // Sinks 0 and 9 only: key 9 takes over at query 9, not before (no query
  // sees it earlier), and hands back at 12.
  const std::vector<Handoff> h2 = handoffs(A.data(), T, {0, 9}, 0, 0);
  REQUIRE(h2.size() == 2);
  CHECK((h2[0].query == 9 && h2[0].from == 0 && h2[0].to == 9 && h2[1].query == 12 && h2[1].to == 0));
}

TEST_CASE("handoffs: a tie keeps the lower key", "[handoffs]") {
  const int T = 6;
  std::vector<float> A(T * T, 0.f);  // [T, T]
  A[0] = 1.f;
  for (int i = 1; i < T; ++i) A[i * T + 0] = 0.5f, A[i * T + std::min(i, 2)] += 0.5f;
  // From query 2 on, keys 0 and 2 tie at 0.5: key 0 stays the owner.
  CHECK(handoffs(A.data(), T, {0, 2}, 0, 0).empty());
  A[4 * T + 2] = 0.6f, A[4 * T + 0] = 0.4f;
  const std::vector<Handoff> h = handoffs(A.data(), T, {0, 2}, 0, 0);
  REQUIRE(h.size() == 2);  // 0 -> 2 at query 4, back at query 5
  CHECK((h[0].query == 4 && h[0].to == 2 && h[1].query == 5 && h[1].to == 0));
}

namespace {
Sink tagged(int l, int h, int key, float score, std::vector<float> tag) {
  Sink s;
  s.layer = l, s.head = h, s.key = key, s.score = score, s.tag = std::move(tag);
  return s;
}
}  // namespace

TEST_CASE("tag_cosines: identical, opposite, orthogonal and zero tags", "[tag_cosines]") {
  const std::vector<float> a{1, 2, 0, 0}, b{2, 4, 0, 0}, c{0, 0, 3, 0}, neg{-1, -2, 0, 0}, zero(4, 0.f);
  const std::vector<float> m = cosine_matrix({&a, &b, &c, &neg, &zero});  // [5, 5]
  CHECK_THAT(m[0 * 5 + 1], WithinAbs(1.0, 1e-6));   // same direction, other length
  CHECK_THAT(m[0 * 5 + 2], WithinAbs(0.0, 1e-6));   // orthogonal
  CHECK_THAT(m[0 * 5 + 3], WithinAbs(-1.0, 1e-6));  // a tag's sign counts
  CHECK(m[0 * 5 + 4] == 0.f);                        // a zero tag has no direction
  CHECK_THAT(m[2 * 5 + 2], WithinAbs(1.0, 1e-6));
  CHECK(m[1 * 5 + 0] == m[0 * 5 + 1]);               // symmetric
}

TEST_CASE("tag_cosines: within heads and across the strongest heads", "[tag_cosines]") {
  Analysis an;
  an.n_layers = 3, an.n_heads = 2;
  an.sinks = {tagged(0, 0, 0, 0.9f, {1, 0, 0}), tagged(0, 0, 5, 0.3f, {2, 0, 0}),  // one head, identical tags
              tagged(1, 1, 0, 0.5f, {0, 1, 0}),                                    // orthogonal to head (0, 0)
              tagged(2, 0, 0, 0.95f, {0, 0, 1}), tagged(2, 0, 4, 0.4f, {0, 0, -1})};
  const std::vector<TagCosines> tc = tag_cosines(an, 2);
  REQUIRE(tc.size() == 3);  // heads (0, 0) and (2, 0), then the model
  CHECK((tc[0].scope == "head" && tc[0].layer == 0 && tc[0].head == 0));
  REQUIRE(tc[0].sinks.size() == 2);
  CHECK_THAT(tc[0].cos[1], WithinAbs(1.0, 1e-6));
  CHECK_THAT(tc[1].cos[1], WithinAbs(-1.0, 1e-6));
  CHECK(tc[2].scope == "model");
  // The two strongest heads, strongest first: (2, 0) by its key 0 (0.95), then (0, 0) (0.9).
  REQUIRE(tc[2].sinks.size() == 2);
  CHECK((tc[2].sinks[0].layer == 2 && tc[2].sinks[0].key == 0 && tc[2].sinks[1].layer == 0));
  CHECK_THAT(tc[2].cos[1], WithinAbs(0.0, 1e-6));
  const std::vector<TagCosines> all = tag_cosines(an, 8);
  CHECK(all.back().sinks.size() == 3);  // every head with a tagged sink
}

TEST_CASE("handoffs and tag_cosines reach the JSON and CSV", "[tag_cosines][handoffs]") {
  Analysis an;
  an.n_layers = 1, an.n_heads = 1, an.T = 14;
  an.sinks = {tagged(0, 0, 0, 0.5f, {1, 0}), tagged(0, 0, 3, 0.3f, {1, 1}), tagged(0, 0, 9, 0.3f, {0, 1})};
  Taps taps;
  Tensor A({1, 14, 14});
  A.data = three_sink_pattern(14);
  taps.named["blocks.0.attn_pattern"] = A;
  Model model;  // one layer, one head: all LayerPattern reads of a kept pattern
  model.config.n_layers = 1, model.config.n_heads = 1;
  SecondHalf sh;
  sh.handoffs = all_handoffs(model, an, taps);
  sh.tag_cosines = tag_cosines(an);
  REQUIRE(sh.handoffs.size() == 3);
  nlohmann::json j;
  add_second_half_json(sh, j);
  CHECK(j["handoffs"][1]["from"] == 3);
  CHECK(j["handoffs"][1]["to"] == 9);
  REQUIRE(j["tag_cosines"].size() == 2);
  CHECK(j["tag_cosines"][0]["cos"][0][1].get<float>() == Approx(std::sqrt(0.5f)));
  CHECK(j["tag_cosines"][1]["scope"] == "model");
  CHECK(!j.contains("probes"));
  const std::string csv = second_half_csv(sh);
  CHECK(csv.find("handoff,0,0,9,9,,from,3\n") != std::string::npos);
  CHECK(csv.find("tag_cosine,0,0,0,,,cos@0.0.9,0\n") != std::string::npos);
}
