// The averaging model ("sinkscope_averaging"), forward and backward written out
// llm.c-style: attention-only causal transformer, 2 layers, no norms, no MLP,
// no position embeddings, no biases.
//   e = x W_in^T;  per layer: h += concat_h softmax(q k^T / sqrt(dh) + mask) v  W_O^T
//   y = h W_out^T; loss = MSE over non-[SEP] positions (mean over positions and dims)
// Parameters keep torch's nn.Linear layout [out, in] and names, so a
// model.safetensors from training/ and the golden file load without transposes.
#pragma once
#include <string>
#include <vector>

#include "averaging/data.h"
#include "averaging/rng.h"
#include "model/weights.h"

namespace ss::avg {

struct ModelShape {
  int d_input = 8;   // input vector size (x has d_input + 1 (+ 1 constant) columns)
  int d = 16;        // hidden size
  int L = 2;         // layers
  int H = 2;         // heads per layer
  int dh = 8;        // head dim
  bool const_input = true;  // the constant-1 input column (TaskConfig::const_input)
  int C() const { return d_input + 1 + (const_input ? 1 : 0); }
  int HD() const { return H * dh; }
};

// All parameters in one flat array (AdamW walks it once); views by offset.
struct Params {
  ModelShape shape;
  std::vector<float> data;
  // Offsets into data (torch names):
  size_t embed_in = 0;                  // embed_in.weight            [d, C]
  std::vector<size_t> wq, wk, wv, wo;   // layers.{l}.self_attn.*     [HD, d] x3, o_proj [d, HD]
  size_t readout = 0;                   // readout.weight             [d_input, d]

  static Params zeros(const ModelShape& s);
  float* at(size_t off) { return data.data() + off; }
  const float* at(size_t off) const { return data.data() + off; }
  // (torch name, offset, shape) of every tensor, in a fixed order.
  struct Entry { std::string name; size_t offset; std::vector<int64_t> shape; };
  std::vector<Entry> entries() const;
};

// Init: every entry N(0, 1/fan_in) (fan_in = the input width of the map), drawn
// tensor by tensor in entries() order.
void init_params(Params& p, Rng& rng);

// Activations of one forward pass, kept for backward and for the metrics.
struct Acts {
  int B = 0, T = 0;
  std::vector<std::vector<float>> h;   // [L + 1][B, T, d]     residual before layer l (h[L] = final)
  std::vector<std::vector<float>> q;   // [L][B, T, HD]
  std::vector<std::vector<float>> k;   // [L][B, T, HD]
  std::vector<std::vector<float>> v;   // [L][B, T, HD]
  std::vector<std::vector<float>> att; // [L][B, H, T, T]       softmax rows (0 above the diagonal)
  std::vector<std::vector<float>> z;   // [L][B, T, HD]         att @ v, heads concatenated
  std::vector<float> y;                // [B, T, d_input]       predictions
  void resize(const ModelShape& s, int B, int T);
};

// Forward over a batch; returns the loss (MSE over non-[SEP] positions).
float forward(const Params& p, const Batch& batch, Acts& acts);
// Backward from the loss of the last forward: grads gets the same layout as p
// (overwritten, not accumulated).
void backward(const Params& p, const Batch& batch, const Acts& acts, Params& grads);

// The canonical ss::Model (engine/analysis view): tok_emb = embed_in^T [C, d],
// lm_head = readout [d_input, d], norms and MLP empty.
Model to_model(const Params& p, const std::string& name = "averaging (live)");

}  // namespace ss::avg
