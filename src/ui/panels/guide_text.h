// The words the explorer uses to explain itself: one entry per phenomenon and
// per metric, written from docs/metrics.md. Tooltips and the guide panel
// read the same strings so they never disagree.
#pragma once

namespace ss::ui::guide {

extern const char* const kSink;
extern const char* const kOutlier;
extern const char* const kCatch;
extern const char* const kTag;
extern const char* const kRelease;
extern const char* const kAveraging;
extern const char* const kCompression;

// Metrics (names as in src/analysis).
extern const char* const kSinkScore;
extern const char* const kSinkEps;
extern const char* const kCatchTau;
extern const char* const kCatchSpan;
extern const char* const kTagAlignment;
extern const char* const kTagVariance;
extern const char* const kCosTopPcTag;
extern const char* const kTagProjection;
extern const char* const kLift;
extern const char* const kTagScoreShare;
extern const char* const kMassive;
extern const char* const kRatioToMedian;
extern const char* const kSink1Share;
extern const char* const kLoss;
extern const char* const kNextToken;
extern const char* const kSinkSlot;   // attention to the sink slot (a learned logit per head)
extern const char* const kCompare;    // compare mode: two models on one prompt
extern const char* const kTimeline;   // the training timeline's slider and plots

// Per panel: "what am I looking at", two or three sentences.
const char* panel_blurb(int panel);

}  // namespace ss::ui::guide
