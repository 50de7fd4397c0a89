// Did catch, tag and release form? Measured on a fixed evaluation batch from
// the trainer's own activations, with the analysis API's building blocks
// (sink_scores, caught_queries, longest_run) where they fit.
//
// Definitions (s(i) = the most recent [SEP] at or before query i; A^l_h the
// attention of head h in layer l; "segment" of a [SEP] s = the non-[SEP]
// positions after s up to the next [SEP]; queries before the first [SEP] have
// no s(i) and count only in the loss):
//   sep_head       layer-0 head with the largest mean A[i, s(i)] over vector queries after a [SEP]
//   sink_score0    that head's sink_score(0) (paper.md), mean over the batch
//   catch_share    share of vector queries i after a [SEP] with A[i, s(i)] >= catch_tau (0.5)
//   catch_span     mean over segments of |longest run of caught queries inside the
//                  segment| / |segment|   (1 = the catch span is the whole segment)
//   tag_alignment  mean over caught queries of cos(head_out_i, tag(s(i))),
//                  tag(s) = v_s W_O^h
//   release_head   layer-1 head with the largest release_mass
//   release_mass   mean over vector queries i after a [SEP] of sum_{s(i) <= j <= i} A^1[i, j]:
//                  attention on the tokens that carry the current tag (the [SEP] included,
//                  as in training/averaging.py)
//   formed         catch_span >= 0.95 && tag_alignment >= 0.9 && release_mass >= 0.8
#pragma once
#include <vector>

#include "averaging/data.h"
#include "averaging/model.h"

namespace ss::avg {

struct VerdictThresholds {
  float catch_tau = 0.5f;
  float catch_span = 0.95f;
  float tag_alignment = 0.9f;
  float release_mass = 0.8f;
};

struct MechanismMetrics {
  float loss = 0;            // eval-batch loss
  int sep_head = 0;
  float sep_attention = 0;   // mean A[i, s(i)] of sep_head (what picked it)
  float sink_score0 = 0;
  float catch_share = 0;
  float catch_span = 0;
  float tag_alignment = 0;
  int release_head = 0;
  float release_mass = 0;
  bool formed = false;
};

MechanismMetrics measure(const Params& p, const Batch& batch, const Acts& acts, float loss,
                         const VerdictThresholds& th = {});

// head_out of one head for one sequence: z_h W_O^h.  Returns [T, d].
std::vector<float> head_out(const Params& p, const Acts& acts, int layer, int head, int b);

// 2-D PCA of rows [N, d] (centred): coords [N, 2] and the two unit directions [2, d].
struct Pca2 {
  std::vector<float> coords;  // [N, 2]
  std::vector<float> dirs;    // [2, d]
  float var_top1 = 0, var_top2 = 0;
};
Pca2 pca2(const std::vector<float>& rows, int N, int d);

}  // namespace ss::avg
