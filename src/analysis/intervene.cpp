#include "analysis/intervene.h"

#include <algorithm>
#include <cmath>

#include "analysis/compress.h"
#include "analysis/detail.h"

namespace ss {

Hooks ablate_sink(const Sink& s, bool zero_value) {
  Hook h;
  h.kind = zero_value ? HookKind::ZeroValue : HookKind::RemoveKey;
  h.layer = s.layer, h.head = s.head, h.position = s.key;
  return {h};
}

Hooks remove_tag(const Sink& s) {
  Hooks hs;
  for (int i : s.caught) {
    Hook h;
    h.kind = HookKind::SubtractDirection;
    h.layer = s.layer, h.position = i, h.vec = s.tag;
    hs.push_back(h);
  }
  return hs;
}

Hooks knock_out_head(int layer, int head) {
  Hook h;
  h.kind = HookKind::ZeroHead;
  h.layer = layer, h.head = head;
  return {h};
}

Expected<InterventionResult> intervene(Backend& backend, const Model& model, std::span<const int32_t> ids,
                                       const Hooks& hooks) {
  TapFilter f;
  f.all = false;
  f.names = {"attn_pattern", "logits"};
  Taps a, b;
  if (auto r = backend.forward(model, ids, {}, f, a); !r) return r.error();
  if (auto r = backend.forward(model, ids, hooks, f, b); !r) return r.error();
  const Tensor *la = a.get("logits"), *lb = b.get("logits");  // [T, V]
  if (!la || !lb) return make_error("intervene: backend returned no logits");
  InterventionResult res;
  res.loss_before = next_token_loss(*la, ids);
  res.loss_after = next_token_loss(*lb, ids);
  res.delta_loss = res.loss_after - res.loss_before;
  const int T = int(la->dim(0)), V = int(la->dim(1));
  auto logsoftmax = [&](const float* z, std::vector<double>& out) {
    const double mx = *std::max_element(z, z + V);
    double s = 0;
    for (int j = 0; j < V; ++j) s += std::exp(double(z[j]) - mx);
    const double lse = mx + std::log(s);
    out.resize(V);
    for (int j = 0; j < V; ++j) out[j] = z[j] - lse;
  };
  std::vector<double> pa, pb;
  for (int t = 0; t < T; ++t) {
    logsoftmax(la->ptr() + size_t(t) * V, pa);
    logsoftmax(lb->ptr() + size_t(t) * V, pb);
    double kl = 0;
    for (int j = 0; j < V; ++j) kl += std::exp(pa[j]) * (pa[j] - pb[j]);
    res.kl.push_back(float(std::max(0.0, kl)));
    res.kl_mean += res.kl.back() / T;
  }
  res.kl_last = T ? res.kl.back() : 0.f;
  const int L = model.config.n_layers, H = model.config.n_heads;
  res.attention_change.assign(L * H, 0.f);
  res.sink0_before.assign(L * H, 0.f), res.sink0_after.assign(L * H, 0.f);
  for (int l = 0; l < L; ++l) {
    const Tensor* A = analysis_detail::layer_tap(a, l, "attn_pattern");  // [H, T, T]
    const Tensor* B = analysis_detail::layer_tap(b, l, "attn_pattern");
    if (!A || !B) continue;
    for (int h = 0; h < H; ++h) {
      double tv = 0;
      const float* x = A->ptr() + size_t(h) * T * T;
      const float* y = B->ptr() + size_t(h) * T * T;
      for (int i = 0; i < T; ++i)
        for (int k = 0; k <= i; ++k) tv += 0.5 * std::fabs(double(x[i * T + k]) - y[i * T + k]);
      res.attention_change[l * H + h] = float(tv / T);
      res.sink0_before[l * H + h] = sink_scores(x, T)[0];
      res.sink0_after[l * H + h] = sink_scores(y, T)[0];
    }
  }
  return res;
}

}  // namespace ss
