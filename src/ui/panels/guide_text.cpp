#include "ui/panels/guide_text.h"

#include "explorer/ui_state.h"

namespace ss::ui::guide {

const char* const kSink =
    "Attention sink: a key position that receives most of the attention of many queries in a head, "
    "although its content has little to do with the text. The first token (BOS) is a sink whatever "
    "the prompt says; punctuation, newlines and separators can start a new sink for the span that "
    "follows them.";
const char* const kOutlier =
    "Outlier features (massive activations): a few residual-stream dimensions whose values on a few "
    "tokens, usually the sink tokens, are far larger than the rest. They act like a bias and make the "
    "sink's key attract queries. In a model this small they stay far below the |a| > 100 of large "
    "LLMs, so the ratio to the layer's median is what to read.";
const char* const kCatch =
    "Catch: a head puts almost all the attention of a contiguous run of queries on one sink token. "
    "In the heatmap a catch is a bright vertical bar in the sink's column; the outline marks the "
    "caught span.";
const char* const kTag =
    "Tag: for every caught token the head's output is almost the sink's value vector passed through "
    "the output projection, tag = v_sink W_O. So every caught token gets the same direction added to "
    "its residual stream: it is tagged as belonging to the sink's span.";
const char* const kRelease =
    "Release: the tagged tokens go back into the residual stream, and later heads can find them by "
    "their tag, for example a head that attends only to (or averages) the tokens with a given tag.";
const char* const kAveraging =
    "The minimal problem: a two-layer model must output the mean of the inputs since the last [SEP]. "
    "Catch, tag and release solve it: layer 1 catches each span at its [SEP] and tags it, layer 2 "
    "averages only the tokens with the current tag. Training finds this in some seeds, not all.";
const char* const kCompression =
    "Compression: each layer's W_Q, W_K, W_V, W_O replaced at one parameter budget by its best "
    "low-rank approximation, by OATS (sparse plus low rank), or by magnitude pruning. The paper's "
    "claim: low-rank structure keeps the sinks, pure pruning tends to break them and the loss.";

const char* const kSinkScore =
    "sink_score(k): the mean attention key k receives from the queries that can see it, "
    "(1 / (T - k)) * sum over i >= k of A[i, k]. Key k is a sink when it exceeds sink_eps, at least "
    "sink_min_queries (4) queries see it, and it is at least 2x uniform_score(k), what uniform causal "
    "attention would give it: (1 / (T - k)) * sum over i >= k of 1 / (i + 1).";
const char* const kSinkEps =
    "sink_eps: the sink_score a key must exceed to be listed as a sink (0.2 by default). The Sink_1 "
    "share uses its own eps, 0.3, the value of Gu et al.'s published figure. sink_min_queries: how many "
    "queries must see a key before it can be a sink (4 by default; the last keys are seen by one or two).";
const char* const kCatchTau =
    "catch_tau: a query i is caught by sink s when A[i, s] >= catch_tau (0.5 by default).";
const char* const kCatchSpan =
    "catch_span: the longest contiguous run of caught queries, drawn as the outlined bar in the heatmap.";
const char* const kTagAlignment =
    "tag_alignment(i): cosine between the head's output at token i and the tag, for the tokens at or "
    "after the sink (earlier ones cannot see it); near 1 on caught tokens.";
const char* const kTagVariance =
    "tag_variance: share of the variance of the head's outputs (over tokens) explained by the top "
    "principal direction (top-2 in brackets). The paper reports 20-40% (up to 70%) in sink heads.";
const char* const kCosTopPcTag =
    "|cos(PC1, tag)|: how well the head's top principal direction lines up with the selected sink's "
    "tag. Near 1 means the main thing the head writes is that tag.";
const char* const kTagProjection =
    "tag projection: mean of resid_post[i] . tag/|tag| over the caught tokens (solid) and over the "
    "other tokens (dashed), layer by layer from the sink's layer on. A gap that persists means the tag "
    "travels with the tokens.";
const char* const kLift =
    "lift: attention mass a later head puts on the caught span (the sink itself left out), from the "
    "span's first token on, divided by the baseline: that head's non-sink attention spread uniformly "
    "over the non-sink keys it sees. Above 1 the head prefers tagged tokens: it reads the tag.";
const char* const kTagScoreShare =
    "tag_score_share: share of the head's query-key score on pairs of caught tokens (the sink left "
    "out) that comes from the tag direction of the keys (1 = all of it).";
const char* const kMassive =
    "massive activation: |h[i, d]| > massive_abs and > massive_rel x the layer's median |h| "
    "(Sun et al.: 100 and 1000). Lower the thresholds in Settings to see small models' outliers.";
const char* const kRatioToMedian =
    "ratio to median: max over dims of |h[i, d]| divided by the median |h| of that layer's residual "
    "stream. Sink tokens (BOS, punctuation) stand out here.";
const char* const kSink1Share =
    "Sink_1 share (eps 0.3): the share of (layer, head) pairs whose first token is a sink with "
    "sink_score(0) > 0.3, the figure Gu et al. publish at eps 0.3.";
const char* const kLoss = "loss: mean next-token cross-entropy over the prompt, in nats (lower is better).";
const char* const kNextToken = "next token: the model's most likely continuations of the prompt, with probabilities.";

const char* const kSinkSlot =
    "Sink slot: this model has a learned logit per head in its softmax, so each row of attention sums to less "
    "than 1. The rest went to the sink slot, a place to put attention that is not a token (it adds nothing to "
    "the head's output). sink_slot_share = that missing mass, averaged over the queries.";
const char* const kCompare =
    "Compare mode: a second model runs on every edit of the same prompt. Both sides show the sink map (click "
    "a head: it is selected in both), the token strip coloured by that head's catches, the residual outlier "
    "ratio per layer and the loss. Link: ?model=demo-lm&compare=demo-lm-gated.";
const char* const kTimeline =
    "Training timeline: the same small model saved at steps through training. The slider loads a checkpoint "
    "(every panel shows it, the prompt stays); the plots show, for every evaluation during training, the "
    "validation loss, the largest per-layer share of heads with sink_score(0) > 0.3, and the BOS outlier ratio "
    "(max |h| at BOS over the median), with a line at the checkpoint shown.";

const char* panel_blurb(int panel) {
  switch (static_cast<explorer::Panel>(panel)) {
    case explorer::Panel::Attention:
      return "Left: the attention pattern of the selected head, queries as rows, keys as columns. Bright "
             "vertical bars are sinks catching spans (triangles mark sinks, outlines the caught span). "
             "Right: the sink score of every head, the map of where sinks live; click a cell or use the "
             "arrow keys to select a head.";
    case explorer::Panel::Residual:
      return "The residual stream after each layer: for every token, how far its largest dimension sticks "
             "out above the layer's median. BOS and punctuation carry the outlier features that make them "
             "sinks; the table names the dimensions.";
    case explorer::Panel::Tag:
      return "The selected head's outputs, one dot per token, projected on their two principal directions. "
             "Tokens caught by the same sink get the same tag and bunch together; the arrow is the tag "
             "direction v_sink W_O.";
    case explorer::Panel::Release:
      return "Where the tag goes: its projection on the caught tokens' residual stream, layer by layer, and "
             "the later heads that prefer tagged tokens (lift > 1). Click a head to open it.";
    case explorer::Panel::Interventions:
      return "Edit the forward pass and compare: remove the attention to a sink, project its tag out, or "
             "knock out the head; loss, next token and the attention map before and after.";
    case explorer::Panel::Averaging:
      return "The minimal problem from the paper: average the inputs since the last [SEP]. Each shipped seed "
             "runs on the same random sequence: compare their loss and whether layer 0 catches the [SEP] spans "
             "(the mechanism forms in some training runs only; the models' MODEL.md says which).";
    case explorer::Panel::Guide:
      return "The ideas behind the panels, in short.";
    case explorer::Panel::Settings:
      return "Thresholds of the metrics, model, backend and theme.";
    case explorer::Panel::Probes:
      return "Tag probes: can a linear probe read which span a token was caught in (or your own A/B labels) "
             "from the selected head's tag directions alone? Four probes: tag subspace, its complement, the full "
             "residual, a random subspace of the tag's size; chance is marked.";
    case explorer::Panel::Sinks:
      return "Several sinks of one head: each sink's catch span as a band on the tokens, the queries where the "
             "head hands its attention from one sink to the next, and how alike the tags of the head's sinks (and "
             "of the model's strongest sink heads) are.";
    case explorer::Panel::Keys:
      return "Which residual dimensions build the selected sink's key: q . k split into one term per dimension "
             "(through the norm, W_K and RoPE). Dimensions that are massive activations are marked.";
    case explorer::Panel::Compare:
      return "Two models on the same prompt, side by side: sink map, the selected head's catches, residual "
             "outliers per layer and the loss. Pick demo-lm-gated or demo-lm-sinklogit to see whether a model "
             "needs its BOS sink.";
    default:
      return "";
  }
}

}  // namespace ss::ui::guide
