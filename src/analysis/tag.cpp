// tag: what a sink writes into every token it caught, v_sink W_O^h.
#include "analysis/detail.h"
#include "core/tensor_storage.h"

namespace ss::analysis_detail {

std::vector<float> tag_vector(const ModelConfig& c, const LayerWeights& w, const Tensor& v, int head, int key) {
  const int dh = c.d_head, d = c.d_model, hkv = int(v.dim(1));
  const int g = kv_group(c, head);
  const float* vk = v.ptr() + (size_t(key) * hkv + g) * dh;  // [dh]
  const int ld = int(w.wo.dim(1));                             // H*dh
  std::vector<float> tag(d, 0.f);                              // [d]
  std::vector<float> row(dh);                                  // [dh]  W_O^h row j (widened if 16-bit)
  for (int j = 0; j < d; ++j) {
    widen_range(w.wo, int64_t(j) * ld + int64_t(head) * dh, dh, row.data());
    double acc = 0;
    for (int e = 0; e < dh; ++e) acc += double(row[e]) * vk[e];
    tag[j] = float(acc);
  }
  return tag;
}

}  // namespace ss::analysis_detail
