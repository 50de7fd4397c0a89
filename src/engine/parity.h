// The parity table, in the spirit of ggml's test-backend-ops: every claim a
// backend makes (capabilities(): taps, hook kinds, incremental) is run on
// every case and compared with the CPU backend, itself checked against
// transformers' goldens (tests/unit/engine/golden.cpp). What a backend
// does not claim is listed as such, never skipped silently.
//
// Rows, per (backend, case):
//   tap KIND          max |backend - cpu| over every layer's tap of that kind,
//                     relative to max(1, max |cpu|), at most kParityTol
//   hook KIND         one representative hook of that kind: every claimed tap
//                     with it, compared the same way (and the hook must change
//                     the CPU's logits, so a hook that does nothing fails)
//   incremental       the case's rows in two passes (extend) against one pass
//
// It drives asynchronous backends without blocking: step() does one submit or
// one poll, so a browser frame loop (or an awaiting test) calls it until done.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/backend.h"

namespace ss {

inline constexpr double kParityTol = 1e-4;

struct ParityCase {
  std::string name;                 // "demo-lm", "tiny-llama", ...
  const Model* model = nullptr;     // must outlive the run (model->name: ORT's folder)
  std::vector<int32_t> ids;         // language models
  std::optional<Tensor> vectors;    // averaging models: [T, input_width]
};

enum class ParityStatus { Pass, Fail, NotClaimed, NotApplicable, Error };
const char* parity_status_name(ParityStatus s);  // "ok", "FAIL", "not claimed", "n/a", "ERROR"

struct ParityRow {
  std::string backend, model, check;  // check: "tap attn_pattern", "hook zero_head", "incremental"
  ParityStatus status = ParityStatus::Pass;
  double diff = 0;                    // the worst relative difference
  std::string note;                   // where the worst difference is, or the error
};

// A deliberate error, to prove the table catches one: `delta` is added to
// the first element of every tap of kind `tap_kind` the backend returns.
struct ParityPlant {
  std::string tap_kind;
  float delta = 0;
};

class ParityRun {
 public:
  ParityRun(Backend& backend, std::vector<ParityCase> cases, ParityPlant plant = {});
  bool step();  // one submit or poll; true once every row is in
  bool done() const { return job_ >= jobs_.size(); }
  const std::vector<ParityRow>& rows() const { return rows_; }
  bool passed() const;  // every row ok, not claimed or n/a
  std::string table() const;

 private:
  struct Job {
    size_t c;           // case index
    std::optional<Hook> hook;
    bool incremental = false;
  };
  void plan();
  void finish_job(Taps& got);
  void fail_job(const std::string& why);
  bool step_incremental(const ParityCase& pc);

  Backend& be_;
  std::vector<ParityCase> cases_;
  ParityPlant plant_;
  std::vector<Job> jobs_;
  size_t job_ = 0;
  bool in_flight_ = false;
  std::vector<ParityRow> rows_;
  // The incremental check's state between steps: phase 0 runs the first
  // T - 3 rows into inc_cache_, phase 1 extends them to T.
  int inc_phase_ = 0;
  KvCache inc_cache_;
  Taps inc_taps_;
};

// Fixed-width text of rows (any run's, or several runs' together).
std::string parity_table(const std::vector<ParityRow>& rows);

}  // namespace ss
