// Encode: repair UTF-8 -> split out added tokens -> normalize each piece ->
// pre-tokenize into words -> BPE per word -> post-process (offset trimming,
// template specials). The same order as `tokenizers`, so ids and offsets agree.
#include "tokenizer/tokenizer.h"

#include <algorithm>

#include "tokenizer/normalized.h"
#include "tokenizer/impl.h"
#include "tokenizer/unicode_class.h"
#include "tokenizer/utf8.h"

namespace ss {

using tok::Piece;
using tok::Pipeline;


Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

Expected<Tokenizer> Tokenizer::from_json(std::string_view json_text) {
  auto p = tok::parse_tokenizer_json(json_text);
  if (!p) return p.error();
  Tokenizer t;
  t.impl_ = std::make_unique<Impl>();
  t.impl_->p = std::move(p.value());
  const bool has_normalizer = !t.impl_->p.normalizers.empty();
  for (size_t i = 0; i < t.impl_->p.added.size(); ++i)
    (t.impl_->p.added[i].normalized && has_normalizer ? t.impl_->norm_added : t.impl_->raw_added).push_back(i);
  return t;
}

int Tokenizer::vocab_size() const { return impl_ ? static_cast<int>(impl_->p.id_to_token.size()) : 0; }

int32_t Tokenizer::bos_id() const { return impl_ ? impl_->p.bos_id : -1; }

void Tokenizer::set_bos_id(int32_t id) {
  if (impl_ && id >= -1 && id < vocab_size()) impl_->p.bos_id = id;
}

int32_t Tokenizer::token_to_id(std::string_view token) const {
  if (!impl_) return -1;
  for (const auto& a : impl_->p.added)
    if (a.content == token) return a.id;
  auto it = impl_->p.bpe.vocab.find(std::string(token));
  return it == impl_->p.bpe.vocab.end() ? -1 : it->second;
}

std::string Tokenizer::token_string(int32_t id) const {
  if (!impl_ || id < 0 || id >= vocab_size()) return {};
  return impl_->p.id_to_token[static_cast<size_t>(id)];
}

namespace {

struct Span {
  int32_t added_id;  // -1: text still to tokenize
  size_t b, e;       // bytes of the piece's text
};

bool is_word_char(uint32_t cp) { return tok::is_letter(cp) || tok::is_number(cp) || cp == '_'; }

// Splits s on the added tokens `which` (leftmost-longest, as `tokenizers`'
// Aho-Corasick), honouring single_word / lstrip / rstrip.
std::vector<Span> split_added(std::string_view s, const Pipeline& p, const std::vector<size_t>& which) {
  std::vector<Span> out;
  size_t start = 0;  // end of the last emitted span
  for (size_t i = 0; i < s.size();) {
    const tok::AddedToken* best = nullptr;
    for (size_t k : which) {
      const auto& a = p.added[k];
      if (a.content.size() <= s.size() - i && s.compare(i, a.content.size(), a.content) == 0 &&
          (!best || a.content.size() > best->content.size()))
        best = &a;
    }
    if (!best) { ++i; continue; }
    size_t b = i, e = i + best->content.size();
    if (best->single_word) {
      bool ok = true;
      if (b > 0) {
        size_t k = b - 1;
        while (k > 0 && (static_cast<uint8_t>(s[k]) & 0xC0) == 0x80) --k;
        int len;
        ok = !is_word_char(tok::utf8_decode(s, k, &len));
      }
      if (ok && e < s.size()) {
        int len;
        ok = !is_word_char(tok::utf8_decode(s, e, &len));
      }
      if (!ok) { ++i; continue; }
    }
    if (best->lstrip) {
      while (b > start) {
        size_t k = b - 1;
        while (k > start && (static_cast<uint8_t>(s[k]) & 0xC0) == 0x80) --k;
        int len;
        if (!tok::is_whitespace(tok::utf8_decode(s, k, &len))) break;
        b = k;
      }
    }
    if (best->rstrip) {
      while (e < s.size()) {
        int len;
        if (!tok::is_whitespace(tok::utf8_decode(s, e, &len))) break;
        e += len;
      }
    }
    if (b > start) out.push_back({-1, start, b});
    out.push_back({best->id, b, e});
    start = i = e;
  }
  if (start < s.size() || s.empty()) out.push_back({-1, start, s.size()});
  return out;
}

void normalize(Piece& piece, const Pipeline& p) {
  for (const auto& n : p.normalizers) {
    switch (n.kind) {
      case tok::Normalizer::kPrepend: tok::prepend(piece, n.a); break;
      case tok::Normalizer::kReplace: tok::replace_all(piece, n.a, n.b); break;
      case tok::Normalizer::kNfc: tok::nfc(piece); break;
    }
  }
}

void pre_tokenize(std::vector<Piece>& words, const Pipeline& p) {
  for (const auto& pt : p.pre_tokenizers) {
    std::vector<Piece> next;
    next.reserve(words.size() * 4 + 8);
    for (Piece& w : words) {
      if (pt.kind == tok::PreTokenizer::kByteLevel) {
        if (pt.add_prefix_space && w.text[0] != ' ') tok::prepend(w, " ");
        if (pt.use_regex) {
          for (auto [b, e] : tok::split_isolated(pt.regex, w.text)) {
            next.push_back(w.slice(b, e));
            tok::byte_level_map(next.back());
          }
        } else {
          tok::byte_level_map(w);
          next.push_back(std::move(w));
        }
      } else if (pt.kind == tok::PreTokenizer::kSplit) {
        for (auto [b, e] : tok::split_isolated(pt.regex, w.text)) next.push_back(w.slice(b, e));
      } else {  // Metaspace
        tok::replace_all(w, " ", pt.replacement);
        const bool starts = w.text.compare(0, pt.replacement.size(), pt.replacement) == 0;
        if (!starts && (pt.prepend == tok::PreTokenizer::kAlways ||
                        (pt.prepend == tok::PreTokenizer::kFirst && w.align[0].first == 0)))
          tok::prepend(w, pt.replacement);
        if (!pt.split) {
          next.push_back(std::move(w));
          continue;
        }
        // Each replacement character opens a new word (MergedWithNext).
        size_t b = 0;
        for (size_t k = w.text.find(pt.replacement, 1); k != std::string::npos;
             k = w.text.find(pt.replacement, k + 1)) {
          next.push_back(w.slice(b, k));
          b = k;
        }
        next.push_back(w.slice(b, w.text.size()));
      }
    }
    words.clear();
    for (Piece& w : next)
      if (!w.text.empty()) words.push_back(std::move(w));
  }
}

// ByteLevel post-processor: offsets drop the spaces a token starts or ends with.
void trim_offsets(Tokens& t, const std::vector<std::string>& id_to_token, bool add_prefix_space) {
  auto is_space = [](uint32_t cp) { return cp == 0x120 || tok::is_whitespace(cp); };
  for (size_t i = 0; i < t.ids.size(); ++i) {
    const std::string& s = id_to_token[static_cast<size_t>(t.ids[i])];
    std::vector<uint32_t> cps;
    for (size_t k = 0; k < s.size();) {
      int len;
      cps.push_back(tok::utf8_decode(s, k, &len));
      k += len;
    }
    size_t lead = 0, trail = 0;
    while (lead < cps.size() && is_space(cps[lead])) ++lead;
    while (trail < cps.size() && is_space(cps[cps.size() - 1 - trail])) ++trail;
    auto& [b, e] = t.ranges[i];
    if (lead > 0) {
      const bool first = i == 0 || b == 0;
      if (first && add_prefix_space && lead == 1) lead = 0;
      b = std::min<int32_t>(b + static_cast<int32_t>(lead), e);
    }
    if (trail > 0 && e >= static_cast<int32_t>(trail)) e = std::max<int32_t>(e - static_cast<int32_t>(trail), b);
  }
}

}  // namespace

Tokens Tokenizer::encode(std::string_view input, bool add_bos) const {
  Tokens out;
  if (!impl_) return out;
  const Pipeline& p = impl_->p;
  // Invalid UTF-8 becomes U+FFFD (as a Python str decoded with errors="replace");
  // offsets are mapped back to the input bytes at the end.
  const bool valid = tok::utf8_is_valid(input);
  tok::Repaired repaired;
  if (!valid) repaired = tok::utf8_repair(input);
  const std::string_view text = valid ? input : std::string_view(repaired.text);

  out.ids.reserve(text.size() / 2 + 4);
  out.ranges.reserve(text.size() / 2 + 4);
  auto emit = [&](int32_t id, int32_t b, int32_t e) {
    out.ids.push_back(id);
    out.ranges.emplace_back(b, e);
  };
  for (const Span& s : split_added(text, p, impl_->raw_added)) {
    if (s.added_id >= 0) {
      emit(s.added_id, static_cast<int32_t>(s.b), static_cast<int32_t>(s.e));
      continue;
    }
    if (s.b == s.e) continue;
    Piece piece = tok::make_piece(text, s.b, s.e);
    normalize(piece, p);
    std::vector<Piece> words;
    for (const Span& n : split_added(piece.text, p, impl_->norm_added)) {
      if (n.added_id >= 0) {
        auto [b, e] = piece.original(n.b, n.e);
        emit(n.added_id, b, e);
      } else if (n.b < n.e) {
        words.push_back(piece.slice(n.b, n.e));
      }
    }
    pre_tokenize(words, p);
    for (const Piece& w : words)
      for (const tok::BpeToken& t : p.bpe.tokenize(w.text)) {
        auto [b, e] = w.original(static_cast<size_t>(t.begin), static_cast<size_t>(t.end));
        emit(t.id, b, e);
      }
  }
  if (p.post_byte_level_trim) trim_offsets(out, p.id_to_token, p.post_byte_level_prefix);
  if (!valid) {
    for (auto& [b, e] : out.ranges) {
      if (b == e) {
        b = e = b < static_cast<int32_t>(repaired.orig_begin.size()) ? repaired.orig_begin[b]
                                                                     : static_cast<int32_t>(input.size());
      } else {
        const int32_t ob = repaired.orig_begin[b], oe = repaired.orig_end[e - 1];
        b = ob;
        e = oe;
      }
    }
  }
  if (add_bos) {
    // The template's specials when BOS is the template's; a BOS set by
    // set_bos_id (say from config.json) alone otherwise.
    const bool use_template = !p.template_prefix.empty() && p.template_prefix.front() == p.bos_id;
    std::vector<int32_t> pre = use_template ? p.template_prefix : std::vector<int32_t>{};
    if (!use_template && p.bos_id >= 0) pre.push_back(p.bos_id);
    out.ids.insert(out.ids.begin(), pre.begin(), pre.end());
    out.ranges.insert(out.ranges.begin(), pre.size(), {0, 0});
    if (use_template)
      for (int32_t id : p.template_suffix) {
        out.ids.push_back(id);
        out.ranges.emplace_back(0, 0);
      }
  }
  return out;
}

}  // namespace ss
