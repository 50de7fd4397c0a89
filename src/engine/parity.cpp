#include "engine/parity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "engine/tap_rows.h"

namespace ss {

namespace {

ForwardInput input_of(const ParityCase& c) {
  return c.vectors ? ForwardInput{{}, &*c.vectors} : ForwardInput{c.ids, nullptr};
}

// One hook of each kind, valid on any model (layer 0, head 0, position 0).
Hook representative(HookKind k, const ModelConfig& c) {
  Hook h{k, 0, 0, 0, {}};
  if (k == HookKind::SubtractDirection) h.head = -1, h.position = -1, h.vec.assign(c.d_model, 0.0f), h.vec[0] = 1.0f;
  if (k == HookKind::RemoveKey) h.head = -1;
  if (k == HookKind::ReplaceValue) h.vec.assign(c.d_head, 0.5f);
  if (k == HookKind::ClampDim) h.position = -1, h.dim = 0, h.vec.assign(c.n_layers, 0.5f);
  return h;
}

// Worst relative difference of one tap kind over every layer; -1 = the
// backend returned none of it, -2 = the model has none (averaging models have
// no norms and no MLP). -inf (masked scores) must match -inf.
double worst_diff(const Taps& ref, const Taps& got, const std::string& kind, std::string& where) {
  double worst = -2;
  for (const auto& [name, r] : ref.named) {
    if (tap_kind(name) != kind) continue;
    const Tensor* g = got.get(name);
    if (!g) return where = name + " missing", -1;
    if (g->shape != r.shape) return where = name + " has another shape", 1e30;
    double scale = 1;
    for (float v : r.data)
      if (std::isfinite(v)) scale = std::max(scale, double(std::fabs(v)));
    worst = std::max(worst, 0.0);
    for (size_t i = 0; i < r.data.size(); ++i) {
      const float a = r.data[i], b = g->data[i];
      double d = std::isfinite(a) || std::isfinite(b) ? std::fabs(double(a) - double(b)) / scale : 0.0;
      if (std::isnan(d) || (std::isfinite(a) != std::isfinite(b))) d = 1e30;
      if (d > worst) worst = d, where = name + "[" + std::to_string(i) + "]";
    }
  }
  return worst;
}

std::vector<std::string> all_tap_kinds() {
  std::vector<std::string> k;
  for (const char* t : kLayerTapKinds) k.push_back(t);
  for (const char* t : kModelTapKinds) k.push_back(t);
  return k;
}

}  // namespace

const char* parity_status_name(ParityStatus s) {
  switch (s) {
    case ParityStatus::Pass: return "ok";
    case ParityStatus::Fail: return "FAIL";
    case ParityStatus::NotClaimed: return "not claimed";
    case ParityStatus::NotApplicable: return "n/a";
    case ParityStatus::Error: return "ERROR";
  }
  return "?";
}

ParityRun::ParityRun(Backend& backend, std::vector<ParityCase> cases, ParityPlant plant)
    : be_(backend), cases_(std::move(cases)), plant_(std::move(plant)) {
  plan();
}

// Jobs per case: no hooks (the tap rows), one per claimed hook kind, and the
// incremental check; the claims not made become rows at once.
void ParityRun::plan() {
  const Capabilities& caps = be_.capabilities();
  for (size_t c = 0; c < cases_.size(); ++c) {
    const ModelConfig& mc = cases_[c].model->config;
    if (!caps.runs(mc.family)) {
      rows_.push_back({be_.name(), cases_[c].name, "family " + std::string(family_name(mc.family)),
                       ParityStatus::NotClaimed, 0, ""});
      continue;
    }
    jobs_.push_back({c, std::nullopt, false});
    for (HookKind k : kHookKinds) {
      if (caps.applies(k)) jobs_.push_back({c, representative(k, mc), false});
      else rows_.push_back({be_.name(), cases_[c].name, std::string("hook ") + hook_kind_name(k), ParityStatus::NotClaimed, 0, ""});
    }
    if (caps.incremental && input_of(cases_[c]).length() > 3) jobs_.push_back({c, std::nullopt, true});
    else rows_.push_back({be_.name(), cases_[c].name, "incremental", ParityStatus::NotClaimed, 0, ""});
    for (const std::string& k : all_tap_kinds())
      if (!caps.fills(k)) rows_.push_back({be_.name(), cases_[c].name, "tap " + k, ParityStatus::NotClaimed, 0, ""});
  }
}

bool ParityRun::step() {
  if (done()) return true;
  const Job& j = jobs_[job_];
  const ParityCase& pc = cases_[j.c];
  Hooks hooks;
  if (j.hook) hooks.push_back(*j.hook);
  if (j.incremental) return step_incremental(pc);
  std::string error;
  if (!in_flight_) {
    auto ok = be_.submit(Pass{pc.model, pc.model->name, input_of(pc), hooks, TapFilter{}});
    if (!ok) {
      fail_job(ok.error().message);
      return done();
    }
    in_flight_ = true;
  }
  Taps got;
  switch (be_.poll(got, error)) {
    case Backend::Poll::kPending: return false;
    case Backend::Poll::kReady: in_flight_ = false, finish_job(got); break;
    case Backend::Poll::kIdle: in_flight_ = false, fail_job("the backend forgot the pass"); break;
    default: in_flight_ = false, fail_job(error); break;
  }
  return done();
}

// The incremental check, a submit or a poll per step (an asynchronous backend
// answers later): the first T - 3 rows as a full pass into a KV cache, then
// the whole input extending it. finish_job compares the result with the
// CPU's full pass.
bool ParityRun::step_incremental(const ParityCase& pc) {
  const ForwardInput full = input_of(pc);
  const int64_t T = full.length(), head = T - 3;
  Tensor head_vectors;  // [head, width] (averaging models); submit() copies what it keeps
  if (!in_flight_) {
    ForwardInput in = full;
    if (inc_phase_ == 0) {
      inc_cache_.clear();
      inc_taps_.named.clear();
      if (pc.vectors) {
        head_vectors = Tensor({head, pc.vectors->dim(1)});
        std::copy_n(pc.vectors->ptr(), head_vectors.data.size(), head_vectors.ptr());
        in.vectors = &head_vectors;
      } else {
        in.ids = full.ids.first(static_cast<size_t>(head));
      }
    } else {
      resize_taps(inc_taps_, head, T);
    }
    auto ok = be_.submit(Pass{pc.model, pc.model->name, in, {}, TapFilter{}, &inc_cache_, std::move(inc_taps_)});
    if (!ok) {
      inc_phase_ = 0;
      fail_job(ok.error().message);
      return done();
    }
    in_flight_ = true;
  }
  std::string error;
  Taps got;
  switch (be_.poll(got, error)) {
    case Backend::Poll::kPending: return false;
    case Backend::Poll::kReady: break;
    case Backend::Poll::kIdle: error = "the backend forgot the pass"; [[fallthrough]];
    default:
      in_flight_ = false, inc_phase_ = 0;
      fail_job(error);
      return done();
  }
  in_flight_ = false;
  if (inc_phase_ == 0) {
    inc_taps_ = std::move(got);
    inc_phase_ = 1;
    return false;
  }
  inc_phase_ = 0;
  finish_job(got);
  return done();
}

void ParityRun::fail_job(const std::string& why) {
  const Job& j = jobs_[job_++];
  const std::string check = j.incremental ? "incremental" : j.hook ? std::string("hook ") + hook_kind_name(j.hook->kind) : "pass";
  rows_.push_back({be_.name(), cases_[j.c].name, check, ParityStatus::Error, 0, why});
}

void ParityRun::finish_job(Taps& got) {
  const Job& j = jobs_[job_++];
  const ParityCase& pc = cases_[j.c];
  const Capabilities& caps = be_.capabilities();
  for (auto& [name, t] : got.named)  // the planted error, as if the backend had it
    if (!plant_.tap_kind.empty() && tap_kind(name) == plant_.tap_kind && !t.empty()) t.data[0] += plant_.delta;
  Hooks hooks;
  if (j.hook) hooks.push_back(*j.hook);
  Taps ref;
  auto cpu = make_cpu_backend();
  if (auto r = cpu->run(Pass{pc.model, pc.model->name, input_of(pc), hooks, TapFilter{}}, ref); !r) {
    rows_.push_back({be_.name(), pc.name, "reference", ParityStatus::Error, 0, r.error().message});
    return;
  }
  std::string worst_where;
  double worst = 0;
  for (const std::string& kind : all_tap_kinds()) {
    if (!caps.fills(kind)) continue;
    std::string where;
    double d = worst_diff(ref, got, kind, where);
    if (d == -2) {  // nothing to compare in this model
      if (!j.hook && !j.incremental)
        rows_.push_back({be_.name(), pc.name, "tap " + kind, ParityStatus::NotApplicable, 0, "the model has none"});
      continue;
    }
    if (d < 0) d = 1e30;  // claimed but absent
    if (j.hook || j.incremental) {
      if (d > worst) worst = d, worst_where = where;
      continue;
    }
    rows_.push_back({be_.name(), pc.name, "tap " + kind, d <= kParityTol ? ParityStatus::Pass : ParityStatus::Fail, d, where});
  }
  if (!j.hook && !j.incremental) return;
  std::string check = j.incremental ? "incremental" : std::string("hook ") + hook_kind_name(j.hook->kind);
  ParityStatus st = worst <= kParityTol ? ParityStatus::Pass : ParityStatus::Fail;
  if (j.hook) {  // a hook must change something, or its row proves nothing
    Taps plain;
    cpu->run(Pass{pc.model, pc.model->name, input_of(pc), {}, TapFilter{}}, plain);
    std::string w;
    if (worst_diff(plain, ref, "logits", w) <= 0) st = ParityStatus::Fail, worst_where = "the hook changed nothing";
  }
  rows_.push_back({be_.name(), pc.name, check, st, worst, worst_where});
}

bool ParityRun::passed() const {
  return std::all_of(rows_.begin(), rows_.end(), [](const ParityRow& r) {
    return r.status == ParityStatus::Pass || r.status == ParityStatus::NotClaimed || r.status == ParityStatus::NotApplicable;
  });
}

std::string ParityRun::table() const { return parity_table(rows_); }

std::string parity_table(const std::vector<ParityRow>& rows) {
  std::ostringstream os;
  char line[512];
  std::snprintf(line, sizeof line, "%-11s %-22s %-26s %-12s %-10s %s\n", "backend", "case", "check", "status",
                "max diff", "worst at");
  os << line;
  for (const ParityRow& r : rows) {
    char diff[32] = "";
    if (r.status == ParityStatus::Pass || r.status == ParityStatus::Fail) std::snprintf(diff, sizeof diff, "%.2e", r.diff);
    std::snprintf(line, sizeof line, "%-11s %-22s %-26s %-12s %-10s %s\n", r.backend.c_str(), r.model.c_str(),
                  r.check.c_str(), parity_status_name(r.status), diff, r.note.c_str());
    os << line;
  }
  return os.str();
}

}  // namespace ss
