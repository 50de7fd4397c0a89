// ss::avg::measure on hand-made activations with known answers: the verdict
// is training/averaging.py's (catch_rate >= 0.9, tag_alignment >= 0.9,
// release >= 0.8), and catch_rate counts a segment only when every vector of it
// is caught and no later query is.
//
// Shape: d = 2, 2 layers, 2 heads of dh = 1, W_O of layer 0 = identity, so
// head h's output at token i is z[i, h] e_h and its tag at [SEP] s is
// v[s, h] e_h: cos(head_out_i, tag(s)) is the sign of z[i, h] v[s, h].
// measure() reads the attention rows, z and v as given (no forward pass).
#include <catch2/catch.hpp>
#include <vector>

#include "averaging/metrics.h"

using namespace ss::avg;
using Catch::Matchers::WithinAbs;

namespace {

struct Case {
  ModelShape shape{1, 2, 2, 2, 1, true};  // d_input 1, d 2, L 2, H 2, dh 1, constant column
  Params p;
  Batch batch;
  Acts acts;
  int T = 0;

  Case(int T_, const std::vector<int>& seps) : T(T_) {
    p = Params::zeros(shape);
    float* wo = p.at(p.wo[0]);  // [d, HD] = identity
    wo[0 * 2 + 0] = 1.f, wo[1 * 2 + 1] = 1.f;
    batch.B = 1, batch.T = T, batch.d_input = 1, batch.C = shape.C();
    batch.x.assign(size_t(T) * batch.C, 0.f);
    for (int t = 0; t < T; ++t) batch.x[size_t(t) * batch.C + batch.C - 1] = 1.f;  // constant column
    for (int s : seps) batch.x[size_t(s) * batch.C + 1] = 1.f;                     // [SEP] flag (column d_input)
    fill_targets(batch);
    acts.resize(shape, 1, T);
    for (int l = 0; l < 2; ++l)
      for (int h = 0; h < 2; ++h)
        for (int i = 0; i < T; ++i) uniform(l, h, i, 0, i);
  }
  float& A(int l, int h, int i, int j) { return acts.att[l][(size_t(h) * T + i) * T + j]; }
  float& z(int i, int h) { return acts.z[0][size_t(i) * 2 + h]; }
  float& v(int i, int h) { return acts.v[0][size_t(i) * 2 + h]; }
  // Row i of head (l, h): attention spread evenly over keys lo..hi, 0 elsewhere.
  void uniform(int l, int h, int i, int lo, int hi) {
    for (int j = 0; j < T; ++j) A(l, h, i, j) = (j >= lo && j <= hi) ? 1.f / float(hi - lo + 1) : 0.f;
  }
  void one_hot(int l, int h, int i, int j) { uniform(l, h, i, j, j); }
  MechanismMetrics run() { return measure(p, batch, acts, 0.125f); }
};

}  // namespace

TEST_CASE("averaging measure: a hand-made catch, tag and release forms", "[averaging_measure]") {
  // Positions 0, 1 vectors, 2 the [SEP], 3..5 its segment (3 vectors).
  Case c(6, {2});
  REQUIRE(c.batch.is_sep(0, 2));
  REQUIRE(c.batch.last_sep[5] == 2);
  // Layer 0, head 1: the [SEP] takes all of the attention of 3..5; the [SEP]'s
  // own query looks at position 0 (it is not part of its catch).
  c.one_hot(0, 1, 0, 0), c.one_hot(0, 1, 1, 1), c.one_hot(0, 1, 2, 0);
  for (int i = 3; i < 6; ++i) c.one_hot(0, 1, i, 2);
  c.v(2, 1) = 1.f;                               // tag(2) = e_1
  for (int i = 3; i < 6; ++i) c.z(i, 1) = 1.f;   // head_out_i = e_1: aligned with the tag
  // Head 0 stays uniform over the causal prefix: it catches nothing.
  for (int i = 0; i < 6; ++i) c.v(i, 0) = 1.f, c.z(i, 0) = 1.f;
  // Layer 1, head 0: queries after the [SEP] read only the segment (the [SEP]
  // included); head 1 stays uniform.
  for (int i = 3; i < 6; ++i) c.uniform(1, 0, i, 2, i);

  const MechanismMetrics m = c.run();
  CHECK(m.loss == 0.125f);
  CHECK(m.sep_head == 1);
  CHECK_THAT(m.sep_attention, WithinAbs(1.0, 1e-6));
  CHECK_THAT(m.sink_score0, WithinAbs(2.0 / 6.0, 1e-6));  // A[0, 0] = A[2, 0] = 1, over 6 queries
  CHECK_THAT(m.catch_rate, WithinAbs(1.0, 1e-6));
  CHECK_THAT(m.catch_share, WithinAbs(1.0, 1e-6));
  CHECK_THAT(m.catch_span, WithinAbs(1.0, 1e-6));
  CHECK_THAT(m.tag_alignment, WithinAbs(1.0, 1e-6));
  CHECK(m.release_head == 0);
  CHECK_THAT(m.release_mass, WithinAbs(1.0, 1e-6));
  CHECK(m.formed);

  SECTION("half the segment uncaught: catch_rate 0, not formed") {
    // Queries 4 and 5 put 0.4 on the [SEP] (below catch_tau 0.5), 0.6 on themselves.
    for (int i = 4; i < 6; ++i) {
      for (int j = 0; j < 6; ++j) c.A(0, 1, i, j) = 0.f;
      c.A(0, 1, i, 2) = 0.4f, c.A(0, 1, i, i) = 0.6f;
    }
    const MechanismMetrics n = c.run();
    CHECK(n.sep_head == 1);  // catch_rate 0 + tag_alignment 1 (query 3) beats head 0's 0 + 0
    CHECK(n.catch_rate == 0.f);
    CHECK_THAT(n.catch_share, WithinAbs(1.0 / 3.0, 1e-6));
    CHECK_THAT(n.catch_span, WithinAbs(1.0 / 3.0, 1e-6));
    CHECK_THAT(n.tag_alignment, WithinAbs(1.0, 1e-6));
    CHECK_THAT(n.sep_attention, WithinAbs((1.0 + 0.4 + 0.4) / 3.0, 1e-6));
    CHECK_THAT(n.release_mass, WithinAbs(1.0, 1e-6));
    CHECK_FALSE(n.formed);
  }

  SECTION("a misaligned tag: caught, but not formed") {
    for (int i = 3; i < 6; ++i) c.z(i, 1) = -1.f;  // head_out_i = -tag
    const MechanismMetrics n = c.run();
    CHECK(n.sep_head == 1);
    CHECK_THAT(n.catch_rate, WithinAbs(1.0, 1e-6));
    CHECK_THAT(n.tag_alignment, WithinAbs(-1.0, 1e-6));
    CHECK_FALSE(n.formed);
  }

  SECTION("no release: layer 1 uniform, not formed") {
    for (int i = 3; i < 6; ++i) c.uniform(1, 0, i, 0, i);
    const MechanismMetrics n = c.run();
    // mass on [2, i] under uniform attention over [0, i]: 2/4, 3/5, 4/6
    CHECK_THAT(n.release_mass, WithinAbs((0.5 + 0.6 + 4.0 / 6.0) / 3.0, 1e-6));
    CHECK(n.catch_rate == 1.f);
    CHECK_FALSE(n.formed);
  }
}

TEST_CASE("averaging measure: catch_rate counts a segment only when no later query is caught", "[averaging_measure]") {
  // [SEP]s at 2 and 6: segments 3..5 (3 vectors) and 7..8 (2 vectors); a third
  // [SEP] at 9 leaves one vector (10), a segment catch_rate does not count.
  Case c(11, {2, 6, 9});
  for (int i = 3; i < 6; ++i) c.one_hot(0, 1, i, 2);
  c.one_hot(0, 1, 8, 6);
  // Query 7 splits 0.5 / 0.5 between the two [SEP]s: caught by its own [SEP] 6,
  // and also by 2, which then catches a query of a later segment.
  for (int j = 0; j < 11; ++j) c.A(0, 1, 7, j) = 0.f;
  c.A(0, 1, 7, 2) = 0.5f, c.A(0, 1, 7, 6) = 0.5f;
  c.one_hot(0, 1, 10, 9);
  c.v(2, 1) = 1.f, c.v(6, 1) = -2.f, c.v(9, 1) = 3.f;
  for (int i : {3, 4, 5}) c.z(i, 1) = 1.f;
  for (int i : {7, 8}) c.z(i, 1) = -1.f;
  c.z(10, 1) = -1.f;  // misaligned, but its segment (1 vector) is not counted in tag_alignment
  for (int i = 3; i < 11; ++i) c.uniform(1, 0, i, c.batch.last_sep[i], i);

  const MechanismMetrics m = c.run();
  CHECK(m.sep_head == 1);
  CHECK_THAT(m.catch_rate, WithinAbs(0.5, 1e-6));     // segment of 6 caught whole; 2's fails at query 7
  CHECK_THAT(m.tag_alignment, WithinAbs(1.0, 1e-6));  // 3, 4, 5, 7, 8; not 10
  CHECK_THAT(m.catch_share, WithinAbs(1.0, 1e-6));    // 6 of 6 vectors after a [SEP]
  CHECK_THAT(m.catch_span, WithinAbs(1.0, 1e-6));     // every segment's run is the whole segment
  CHECK_THAT(m.release_mass, WithinAbs(1.0, 1e-6));
  CHECK_FALSE(m.formed);                              // catch_rate 0.5 < 0.9
}
