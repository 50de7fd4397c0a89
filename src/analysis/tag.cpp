// tag: what a sink writes into every token it caught, v_sink W_O^h.
#include "analysis/detail.h"

namespace ss::analysis_detail {

std::vector<float> tag_vector(const ModelConfig& c, const LayerWeights& w, const Tensor& v, int head, int key) {
  const int dh = c.d_head, d = c.d_model, hkv = int(v.dim(1));
  const int g = kv_group(c, head);
  const float* vk = v.ptr() + (size_t(key) * hkv + g) * dh;  // [dh]
  const int ld = int(w.wo.dim(1));                             // H*dh
  std::vector<float> tag(d, 0.f);                              // [d]
  for (int j = 0; j < d; ++j) {
    const float* row = w.wo.ptr() + size_t(j) * ld + size_t(head) * dh;  // W_O^h row j [dh]
    double acc = 0;
    for (int e = 0; e < dh; ++e) acc += double(row[e]) * vk[e];
    tag[j] = float(acc);
  }
  return tag;
}

}  // namespace ss::analysis_detail
