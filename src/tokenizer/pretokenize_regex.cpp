#include "tokenizer/pretokenize_regex.h"

#include <cstdint>

#include "tokenizer/unicode_class.h"
#include "tokenizer/utf8.h"

namespace ss::tok {

namespace {

constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr std::string_view kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Qwen2 / Qwen2.5 / Qwen3: Llama 3's with digits one at a time.
constexpr std::string_view kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

struct Cps {
  std::vector<uint32_t> cp;    // [n]
  std::vector<CharClass> cls;  // [n]
  std::vector<size_t> pos;     // [n + 1] byte offset of each code point, then the end
};

Cps decode(std::string_view s) {
  Cps c;
  c.cp.reserve(s.size());
  c.cls.reserve(s.size());
  c.pos.reserve(s.size() + 1);
  for (size_t i = 0; i < s.size();) {
    int len;
    const uint32_t cp = utf8_decode(s, i, &len);
    c.cp.push_back(cp);
    c.cls.push_back(char_class(cp));
    c.pos.push_back(i);
    i += len;
  }
  c.pos.push_back(s.size());
  return c;
}

uint32_t lower_ascii(uint32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// 's|'t|'re|'ve|'m|'ll|'d at i; returns the end index or 0.
size_t contraction(const Cps& c, size_t i, bool ignore_case) {
  const size_t n = c.cp.size();
  if (c.cp[i] != '\'' || i + 1 >= n) return 0;
  auto at = [&](size_t k) { return ignore_case ? lower_ascii(c.cp[k]) : c.cp[k]; };
  const uint32_t a = at(i + 1);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
  if (i + 2 < n) {
    const uint32_t b = at(i + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
  }
  return 0;
}

size_t run_of(const Cps& c, size_t i, CharClass k) {
  while (i < c.cp.size() && c.cls[i] == k) ++i;
  return i;
}

// \s+(?!\S) then \s+ at i (i is whitespace): the run minus its last char when
// a non-space follows and the run is longer than one, else the whole run.
size_t space_run(const Cps& c, size_t i) {
  const size_t j = run_of(c, i, CharClass::kSpace);
  if (j == c.cp.size()) return j;
  return j - 1 > i ? j - 1 : j;
}

size_t match_gpt2(const Cps& c, size_t i) {
  const size_t n = c.cp.size();
  if (size_t e = contraction(c, i, false)) return e;
  // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'
  size_t j = i;
  if (c.cp[i] == ' ' && i + 1 < n && c.cls[i + 1] != CharClass::kSpace) j = i + 1;
  if (c.cls[j] != CharClass::kSpace) return run_of(c, j, c.cls[j]);
  return space_run(c, i);
}

bool is_crlf(uint32_t cp) { return cp == '\r' || cp == '\n'; }

// Llama 3's pattern; max_digits 3 (\p{N}{1,3}), or 1 for Qwen2's \p{N}.
size_t match_llama3(const Cps& c, size_t i, size_t max_digits) {
  const size_t n = c.cp.size();
  if (size_t e = contraction(c, i, true)) return e;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (c.cls[i] != CharClass::kLetter && c.cls[i] != CharClass::kNumber && !is_crlf(c.cp[i]) &&
      i + 1 < n && c.cls[i + 1] == CharClass::kLetter)
    return run_of(c, i + 1, CharClass::kLetter);
  if (c.cls[i] == CharClass::kLetter) return run_of(c, i, CharClass::kLetter);
  // \p{N}{1,3} (Qwen2: \p{N})
  if (c.cls[i] == CharClass::kNumber) {
    size_t j = i;
    while (j < n && j < i + max_digits && c.cls[j] == CharClass::kNumber) ++j;
    return j;
  }
  // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
  size_t j = i;
  if (c.cp[i] == ' ' && i + 1 < n && c.cls[i + 1] == CharClass::kOther) j = i + 1;
  if (c.cls[j] == CharClass::kOther) {
    j = run_of(c, j, CharClass::kOther);
    while (j < n && is_crlf(c.cp[j])) ++j;
    return j;
  }
  // \s*[\r\n]+ : up to and including the last newline of the whitespace run
  const size_t run_end = run_of(c, i, CharClass::kSpace);
  for (size_t k = run_end; k > i; --k)
    if (is_crlf(c.cp[k - 1])) return k;
  return space_run(c, i);
}

}  // namespace

std::optional<SplitRegex> find_split_regex(std::string_view pattern) {
  if (pattern == kGpt2Pattern) return SplitRegex::kGpt2;
  if (pattern == kLlama3Pattern) return SplitRegex::kLlama3;
  if (pattern == kQwen2Pattern) return SplitRegex::kQwen2;
  return std::nullopt;
}

std::vector<std::pair<size_t, size_t>> split_isolated(SplitRegex re, std::string_view s) {
  std::vector<std::pair<size_t, size_t>> out;
  const Cps c = decode(s);
  const size_t n = c.cp.size();
  for (size_t i = 0; i < n;) {
    const size_t e = re == SplitRegex::kGpt2 ? match_gpt2(c, i) : match_llama3(c, i, re == SplitRegex::kQwen2 ? 1 : 3);
    // Every code point is letter, number, space or other, so both regexes
    // match at every position; the guard keeps a future matcher from looping.
    const size_t end = e > i ? e : i + 1;
    out.emplace_back(c.pos[i], c.pos[end]);
    i = end;
  }
  return out;
}

}  // namespace ss::tok
