// Tokenizer's private state, shared by the files that implement it.
#pragma once
#include <vector>

#include "tokenizer/pipeline.h"
#include "tokenizer/tokenizer.h"

namespace ss {

struct Tokenizer::Impl {
  tok::Pipeline p;
  std::vector<size_t> raw_added;   // indices into p.added matched on the input text
  std::vector<size_t> norm_added;  // matched on normalized text (normalized=true with a normalizer)
};

}  // namespace ss
