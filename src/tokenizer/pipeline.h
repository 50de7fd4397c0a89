// The parsed tokenizer.json: each stage of `tokenizers`' pipeline as plain
// data (normalizers, pre-tokenizers, BPE, post-processor, decoders). Built by
// parse_tokenizer_json, run by Tokenizer::encode/decode.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tokenizer/bpe.h"
#include "tokenizer/pretokenize_regex.h"

namespace ss::tok {

struct AddedToken {
  int32_t id;
  std::string content;
  bool single_word = false, lstrip = false, rstrip = false, normalized = false, special = false;
};

struct Normalizer {
  enum Kind { kPrepend, kReplace, kNfc } kind;
  std::string a, b;  // prepend: a; replace: a -> b
};

struct PreTokenizer {
  enum Kind { kByteLevel, kSplit, kMetaspace } kind;
  bool add_prefix_space = false;  // ByteLevel
  bool use_regex = true;          // ByteLevel
  SplitRegex regex = SplitRegex::kGpt2;  // ByteLevel (use_regex) and Split
  std::string replacement;        // Metaspace, UTF-8 of one character
  enum Prepend { kAlways, kFirst, kNever } prepend = kAlways;  // Metaspace
  bool split = true;              // Metaspace
};

struct Decoder {
  enum Kind { kByteLevel, kReplace, kByteFallback, kFuse, kStrip, kMetaspace } kind;
  std::string a, b;               // replace a -> b; strip/metaspace: a = character
  int start = 0, stop = 0;        // strip
  bool prepend = true;            // metaspace: first token drops its replacement chars
};

struct Pipeline {
  Bpe bpe;
  std::vector<std::string> id_to_token;  // [vocab_size], "" where an id is unused
  std::vector<AddedToken> added;
  std::vector<Normalizer> normalizers;
  std::vector<PreTokenizer> pre_tokenizers;
  bool post_byte_level_trim = false;  // ByteLevel post-processor with trim_offsets
  bool post_byte_level_prefix = false;
  std::vector<int32_t> template_prefix;  // special ids before $A
  std::vector<int32_t> template_suffix;  // special ids after $A
  std::vector<Decoder> decoders;
  bool has_decoder = false;
  bool byte_level = false;  // tokens spell bytes with GPT-2's byte characters
  int32_t bos_id = -1;
};

Expected<Pipeline> parse_tokenizer_json(std::string_view json_text);

}  // namespace ss::tok
