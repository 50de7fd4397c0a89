// Did catch, tag and release form? Measured on a fixed evaluation batch from
// the trainer's own activations, with the analysis API's building blocks
// (sink_scores, caught_queries, longest_run) where they fit.
//
// One definition with training/averaging.py `mechanism` (whose committed logs,
// training/logs/averaging/, record catch_rate): the verdict below is the one
// the PyTorch runs were judged by.
//
// Definitions (s(i) = the most recent [SEP] at or before query i; A^l_h the
// attention of head h in layer l; "segment" of a [SEP] s = the vector (non-[SEP])
// positions after s up to the next [SEP]; "counted" segment = one with >= 2
// vectors; a query i is "caught" by s(i) when A[i, s(i)] >= catch_tau (0.5);
// queries before the first [SEP] have no s(i) and count only in the loss):
//   catch_rate     per layer-0 head: share of counted segments whose [SEP] s catches
//                  exactly the segment: every vector i of it has A[i, s] >= catch_tau,
//                  and no later query (from the next [SEP] on) does. The [SEP]'s own
//                  query A[s, s] is not looked at.
//   tag_alignment  per layer-0 head: mean over the caught vectors of counted
//                  segments of cos(head_out_i, tag(s(i))), tag(s) = v_s W_O^h
//                  (0 when nothing is caught)
//   sep_head       the layer-0 head with the largest catch_rate + tag_alignment
//                  (averaging.py's catch_head); ties go to the larger sep_attention,
//                  so before anything is caught it is the head that looks at the [SEP] most
//   sep_attention  that head's mean A[i, s(i)] over vector queries after a [SEP]
//   sink_score0    that head's sink_score(0) (docs/metrics.md), mean over the batch
//   catch_share    that head's share of vector queries i after a [SEP] that are caught
//   catch_span     that head's mean over segments (>= 1 vector) of |longest run of caught
//                  queries inside the segment| / |segment|: reported, not part of the verdict
//   release_head   layer-1 head with the largest release_mass
//   release_mass   mean over vector queries i after a [SEP] of sum_{s(i) <= j <= i} A^1[i, j]:
//                  attention on the tokens that carry the current tag (the [SEP] included,
//                  as in training/averaging.py)
//   formed         catch_rate >= 0.9 && tag_alignment >= 0.9 (both of sep_head)
//                  && release_mass >= 0.8
#pragma once
#include <vector>

#include "averaging/data.h"
#include "averaging/model.h"

namespace ss::avg {

struct VerdictThresholds {
  float catch_tau = 0.5f;
  float catch_rate = 0.9f;
  float tag_alignment = 0.9f;
  float release_mass = 0.8f;
};

struct MechanismMetrics {
  float loss = 0;            // eval-batch loss
  int sep_head = 0;
  float sep_attention = 0;   // mean A[i, s(i)] of sep_head (what picked it)
  float sink_score0 = 0;
  float catch_share = 0;
  float catch_rate = 0;      // what the verdict reads (averaging.py's catch_rate)
  float catch_span = 0;      // reported only
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
