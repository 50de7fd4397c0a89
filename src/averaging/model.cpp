#include "averaging/model.h"

#include <algorithm>
#include <cmath>

#include "averaging/detmath.h"

namespace ss::avg {

Params Params::zeros(const ModelShape& s) {
  Params p;
  p.shape = s;
  size_t off = 0;
  const size_t C = s.C(), d = s.d, HD = s.HD();
  p.embed_in = off, off += d * C;
  for (int l = 0; l < s.L; ++l) {
    p.wq.push_back(off), off += HD * d;
    p.wk.push_back(off), off += HD * d;
    p.wv.push_back(off), off += HD * d;
    p.wo.push_back(off), off += d * HD;
  }
  p.readout = off, off += size_t(s.d_input) * d;
  p.data.assign(off, 0.f);
  return p;
}

std::vector<Params::Entry> Params::entries() const {
  const int64_t C = shape.C(), d = shape.d, HD = shape.HD();
  std::vector<Entry> e;
  e.push_back({"embed_in.weight", embed_in, {d, C}});
  for (int l = 0; l < shape.L; ++l) {
    std::string p = "layers." + std::to_string(l) + ".self_attn.";
    e.push_back({p + "q_proj.weight", wq[l], {HD, d}});
    e.push_back({p + "k_proj.weight", wk[l], {HD, d}});
    e.push_back({p + "v_proj.weight", wv[l], {HD, d}});
    e.push_back({p + "o_proj.weight", wo[l], {d, HD}});
  }
  e.push_back({"readout.weight", readout, {shape.d_input, d}});
  return e;
}

void init_params(Params& p, Rng& rng) {
  for (const auto& e : p.entries()) {
    const double stdv = 1.0 / std::sqrt(static_cast<double>(e.shape[1]));
    float* w = p.at(e.offset);
    for (int64_t i = 0; i < e.shape[0] * e.shape[1]; ++i) w[i] = static_cast<float>(stdv * rng.normal());
  }
}

void Acts::resize(const ModelShape& s, int B_, int T_) {
  B = B_, T = T_;
  const size_t BT = size_t(B) * T;
  h.assign(s.L + 1, std::vector<float>(BT * s.d));
  q.assign(s.L, std::vector<float>(BT * s.HD()));
  k = q, v = q, z = q;
  att.assign(s.L, std::vector<float>(size_t(B) * s.H * T * T));
  y.assign(BT * s.d_input, 0.f);
}

namespace {

// out[n, o] = sum_i in[n, i] w[o, i]  (torch Linear, no bias). Each output
// sums over i in ascending order from 0, so every compiler rounds the same
// way; going through W^T makes the inner loop run over o, which vectorises
// without reordering any sum.
void matmul_wT(float* out, const float* in, const float* w, int N, int I, int O) {
  thread_local std::vector<float> wt;  // [I, O]
  wt.resize(size_t(I) * O);
  for (int o = 0; o < O; ++o)
    for (int i = 0; i < I; ++i) wt[size_t(i) * O + o] = w[size_t(o) * I + i];
  for (int n = 0; n < N; ++n) {
    const float* x = in + size_t(n) * I;
    float* y = out + size_t(n) * O;
    for (int o = 0; o < O; ++o) y[o] = 0.f;
    for (int i = 0; i < I; ++i) {
      const float xi = x[i];
      const float* wi = wt.data() + size_t(i) * O;
      for (int o = 0; o < O; ++o) y[o] += xi * wi[o];
    }
  }
}

// Backward of matmul_wT: din[n, i] += sum_o dout[n, o] w[o, i];
// dw[o, i] += sum_n dout[n, o] in[n, i].
void matmul_wT_backward(float* din, float* dw, const float* dout, const float* in, const float* w,
                        int N, int I, int O) {
  for (int n = 0; n < N; ++n) {
    const float* g = dout + size_t(n) * O;
    const float* x = in + size_t(n) * I;
    float* dx = din ? din + size_t(n) * I : nullptr;
    for (int o = 0; o < O; ++o) {
      const float go = g[o];
      const float* wo = w + size_t(o) * I;
      float* dwo = dw + size_t(o) * I;
      for (int i = 0; i < I; ++i) {
        if (dx) dx[i] += go * wo[i];
        dwo[i] += go * x[i];
      }
    }
  }
}

}  // namespace

float forward(const Params& p, const Batch& batch, Acts& a) {
  const ModelShape& s = p.shape;
  const int B = batch.B, T = batch.T, C = s.C(), d = s.d, H = s.H, dh = s.dh, HD = s.HD();
  if (a.B != B || a.T != T || a.h.size() != size_t(s.L + 1)) a.resize(s, B, T);
  const int BT = B * T;
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));

  matmul_wT(a.h[0].data(), batch.x.data(), p.at(p.embed_in), BT, C, d);  // [BT, d]
  for (int l = 0; l < s.L; ++l) {
    const float* hin = a.h[l].data();  // [B, T, d]
    float* q = a.q[l].data();          // [B, T, HD]
    float* k = a.k[l].data();          // [B, T, HD]
    float* v = a.v[l].data();          // [B, T, HD]
    float* att = a.att[l].data();      // [B, H, T, T]
    float* z = a.z[l].data();          // [B, T, HD]
    matmul_wT(q, hin, p.at(p.wq[l]), BT, d, HD);
    matmul_wT(k, hin, p.at(p.wk[l]), BT, d, HD);
    matmul_wT(v, hin, p.at(p.wv[l]), BT, d, HD);
    for (int b = 0; b < B; ++b)
      for (int h = 0; h < H; ++h)
        for (int t = 0; t < T; ++t) {
          const float* qt = q + (size_t(b) * T + t) * HD + h * dh;
          float* row = att + ((size_t(b) * H + h) * T + t) * T;  // [T]
          float mx = -INFINITY;
          for (int u = 0; u <= t; ++u) {
            const float* ku = k + (size_t(b) * T + u) * HD + h * dh;
            float dot = 0.f;
            for (int i = 0; i < dh; ++i) dot += qt[i] * ku[i];
            row[u] = dot * scale;
            mx = std::max(mx, row[u]);
          }
          float sum = 0.f;
          for (int u = 0; u <= t; ++u) {
            row[u] = static_cast<float>(det_exp(row[u] - mx));
            sum += row[u];
          }
          const float inv = 1.0f / sum;
          for (int u = 0; u <= t; ++u) row[u] *= inv;
          for (int u = t + 1; u < T; ++u) row[u] = 0.f;
          float* zt = z + (size_t(b) * T + t) * HD + h * dh;  // [dh]
          for (int i = 0; i < dh; ++i) zt[i] = 0.f;
          for (int u = 0; u <= t; ++u) {
            const float* vu = v + (size_t(b) * T + u) * HD + h * dh;
            for (int i = 0; i < dh; ++i) zt[i] += row[u] * vu[i];
          }
        }
    float* hout = a.h[l + 1].data();  // [B, T, d]
    matmul_wT(hout, z, p.at(p.wo[l]), BT, HD, d);
    for (size_t i = 0; i < size_t(BT) * d; ++i) hout[i] += hin[i];
  }
  matmul_wT(a.y.data(), a.h[s.L].data(), p.at(p.readout), BT, d, s.d_input);  // [BT, d_input]

  double loss = 0.0;
  int count = 0;
  for (int n = 0; n < BT; ++n) {
    if (batch.mask[n] == 0.f) continue;
    ++count;
    for (int j = 0; j < s.d_input; ++j) {
      const double e = double(a.y[size_t(n) * s.d_input + j]) - batch.target[size_t(n) * s.d_input + j];
      loss += e * e;
    }
  }
  return count ? static_cast<float>(loss / (double(count) * s.d_input)) : 0.f;
}

void backward(const Params& p, const Batch& batch, const Acts& a, Params& g) {
  const ModelShape& s = p.shape;
  const int B = batch.B, T = batch.T, C = s.C(), d = s.d, H = s.H, dh = s.dh, HD = s.HD();
  const int BT = B * T, D = s.d_input;
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  if (g.data.size() != p.data.size()) g = Params::zeros(s);
  std::fill(g.data.begin(), g.data.end(), 0.f);

  int count = 0;
  for (int n = 0; n < BT; ++n) count += batch.mask[n] != 0.f;
  const float norm = count ? 2.0f / (float(count) * D) : 0.f;
  std::vector<float> dy(size_t(BT) * D);  // [B, T, d_input]
  for (int n = 0; n < BT; ++n)
    for (int j = 0; j < D; ++j)
      dy[size_t(n) * D + j] = batch.mask[n] == 0.f ? 0.f : norm * (a.y[size_t(n) * D + j] - batch.target[size_t(n) * D + j]);

  std::vector<float> dh_res(size_t(BT) * d, 0.f);  // [B, T, d]  gradient wrt the residual stream
  matmul_wT_backward(dh_res.data(), g.at(p.readout), dy.data(), a.h[s.L].data(), p.at(p.readout), BT, d, D);

  std::vector<float> dz(size_t(BT) * HD), dq(dz.size()), dk(dz.size()), dv(dz.size());  // [B, T, HD]
  std::vector<float> datt(T);                                                           // [T]  one row
  for (int l = s.L - 1; l >= 0; --l) {
    // h[l+1] = h[l] + z W_O^T: dh_res flows to h[l] unchanged, plus through the attention.
    std::fill(dz.begin(), dz.end(), 0.f);
    matmul_wT_backward(dz.data(), g.at(p.wo[l]), dh_res.data(), a.z[l].data(), p.at(p.wo[l]), BT, HD, d);
    std::fill(dq.begin(), dq.end(), 0.f);
    std::fill(dk.begin(), dk.end(), 0.f);
    std::fill(dv.begin(), dv.end(), 0.f);
    const float* q = a.q[l].data();
    const float* k = a.k[l].data();
    const float* v = a.v[l].data();
    for (int b = 0; b < B; ++b)
      for (int h = 0; h < H; ++h)
        for (int t = 0; t < T; ++t) {
          const float* row = a.att[l].data() + ((size_t(b) * H + h) * T + t) * T;  // [T]
          const float* dzt = dz.data() + (size_t(b) * T + t) * HD + h * dh;         // [dh]
          // z_t = sum_u att[t,u] v_u
          float dot_sum = 0.f;
          for (int u = 0; u <= t; ++u) {
            const float* vu = v + (size_t(b) * T + u) * HD + h * dh;
            float* dvu = dv.data() + (size_t(b) * T + u) * HD + h * dh;
            float da = 0.f;
            for (int i = 0; i < dh; ++i) {
              da += dzt[i] * vu[i];
              dvu[i] += row[u] * dzt[i];
            }
            datt[u] = da;
            dot_sum += row[u] * da;
          }
          // softmax backward, then the scaled q.k
          const float* qt = q + (size_t(b) * T + t) * HD + h * dh;
          float* dqt = dq.data() + (size_t(b) * T + t) * HD + h * dh;
          for (int u = 0; u <= t; ++u) {
            const float dpre = row[u] * (datt[u] - dot_sum) * scale;
            const float* ku = k + (size_t(b) * T + u) * HD + h * dh;
            float* dku = dk.data() + (size_t(b) * T + u) * HD + h * dh;
            for (int i = 0; i < dh; ++i) {
              dqt[i] += dpre * ku[i];
              dku[i] += dpre * qt[i];
            }
          }
        }
    // q, k, v = h[l] W^T: their gradients add into dh_res (which already holds the skip path).
    const float* hin = a.h[l].data();
    matmul_wT_backward(dh_res.data(), g.at(p.wq[l]), dq.data(), hin, p.at(p.wq[l]), BT, d, HD);
    matmul_wT_backward(dh_res.data(), g.at(p.wk[l]), dk.data(), hin, p.at(p.wk[l]), BT, d, HD);
    matmul_wT_backward(dh_res.data(), g.at(p.wv[l]), dv.data(), hin, p.at(p.wv[l]), BT, d, HD);
  }
  matmul_wT_backward(nullptr, g.at(p.embed_in), dh_res.data(), batch.x.data(), p.at(p.embed_in), BT, C, d);
}

Model to_model(const Params& p, const std::string& name) {
  const ModelShape& s = p.shape;
  Model m;
  m.name = name;
  ModelConfig& c = m.config;
  c.family = Family::Averaging;
  c.model_type = "sinkscope_averaging";
  c.d_input = s.d_input;
  c.input_width = s.C();
  c.const_index = s.const_input ? s.d_input + 1 : -1;
  c.vocab_size = s.d_input;
  c.d_model = s.d;
  c.n_layers = s.L;
  c.n_heads = c.n_kv_heads = s.H;
  c.d_head = s.dh;
  c.d_mlp = 0;
  c.max_positions = 64;
  c.gated_mlp = false;
  c.rotary = false;
  c.learned_pos = false;
  c.norm_eps = 0;
  auto copy = [&](size_t off, int64_t r, int64_t cols) {
    Tensor t({r, cols});
    std::copy(p.at(off), p.at(off) + r * cols, t.data.begin());
    return t;
  };
  const int64_t C = s.C(), d = s.d, HD = s.HD();
  Tensor tok({C, d});  // [C, d] = embed_in^T
  for (int64_t i = 0; i < d; ++i)
    for (int64_t j = 0; j < C; ++j) tok.at(j, i) = p.at(p.embed_in)[i * C + j];
  m.weights.tok_emb = std::move(tok);
  for (int l = 0; l < s.L; ++l) {
    LayerWeights lw;
    lw.wq = copy(p.wq[l], HD, d);
    lw.wk = copy(p.wk[l], HD, d);
    lw.wv = copy(p.wv[l], HD, d);
    lw.wo = copy(p.wo[l], d, HD);
    m.weights.layers.push_back(std::move(lw));
  }
  m.weights.lm_head = copy(p.readout, s.d_input, d);
  return m;
}

}  // namespace ss::avg
