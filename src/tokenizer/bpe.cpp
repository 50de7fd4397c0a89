#include "tokenizer/bpe.h"

#include <cstdio>
#include <queue>

#include "tokenizer/utf8.h"

namespace ss::tok {

namespace {
constexpr size_t kCacheMaxWords = 1 << 16;  // bounded: a long session must not grow forever
constexpr size_t kCacheMaxWordBytes = 256;   // long words are rare, keep them out
}  // namespace

Bpe::Bpe() {
  for (auto& b : byte_ids) b = -1;
}

void Bpe::init_byte_ids() {
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    auto it = vocab.find(name);
    byte_ids[b] = it == vocab.end() ? -1 : it->second;
  }
}

std::vector<BpeToken> Bpe::tokenize(std::string_view word) const {
  if (word.empty()) return {};
  if (ignore_merges) {
    auto it = vocab.find(std::string(word));
    if (it != vocab.end()) return {{it->second, 0, static_cast<int32_t>(word.size())}};
  }
  const bool cacheable = word.size() <= kCacheMaxWordBytes;
  std::string key;
  if (cacheable) {
    key.assign(word);
    std::lock_guard<std::mutex> lock(cache_->mu);
    auto it = cache_->words.find(key);
    if (it != cache_->words.end()) return it->second;
  }
  std::vector<BpeToken> out = merge_word(word);
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_->mu);
    if (cache_->words.size() >= kCacheMaxWords) cache_->words.clear();
    cache_->words.emplace(std::move(key), out);
  }
  return out;
}

// As `tokenizers`' Word::merge_all: a linked list of symbols and a queue of
// candidate merges ordered by (rank, position); stale entries are skipped.
std::vector<BpeToken> Bpe::merge_word(std::string_view w) const {
  struct Symbol {
    int32_t id;
    int32_t begin, len;  // bytes of the word
    int32_t prev, next;  // -1 = none
  };
  std::vector<Symbol> sym;  // [symbols]
  sym.reserve(w.size());
  auto add = [&](int32_t id, int32_t begin, int32_t len) {
    const int32_t idx = static_cast<int32_t>(sym.size());
    sym.push_back({id, begin, len, idx - 1, -1});
    if (idx > 0) sym[idx - 1].next = idx;
  };
  int32_t unk_begin = -1, unk_len = 0;  // pending unknown run
  auto flush_unk = [&] {
    if (unk_begin >= 0) add(unk_id, unk_begin, unk_len);
    unk_begin = -1;
    unk_len = 0;
  };
  std::string s;
  for (size_t i = 0; i < w.size();) {
    int len;
    utf8_decode(w, i, &len);
    const bool first = i == 0, last = i + len == w.size();
    s.clear();
    if (!first) s += continuing_subword_prefix;
    s.append(w.substr(i, len));
    if (last) s += end_of_word_suffix;
    auto it = vocab.find(s);
    if (it != vocab.end()) {
      flush_unk();
      add(it->second, static_cast<int32_t>(i), len);
    } else {
      bool done = false;
      if (byte_fallback) {
        bool all = true;
        for (unsigned char b : s) all = all && byte_ids[b] >= 0;
        if (all) {
          // One token per byte of the character, each one byte long (as
          // `tokenizers` does; offsets then widen to the whole character).
          for (size_t k = 0; k < s.size(); ++k)
            add(byte_ids[static_cast<unsigned char>(s[k])], static_cast<int32_t>(i + (k < static_cast<size_t>(len) ? k : len - 1)), 1);
          done = true;
        }
      }
      if (!done && unk_id >= 0) {
        if (unk_begin >= 0 && fuse_unk) {
          unk_len += len;
        } else {
          flush_unk();
          unk_begin = static_cast<int32_t>(i);
          unk_len = len;
        }
      }
      // Neither byte fallback nor unk: the character is dropped, as in `tokenizers`.
    }
    i += len;
  }
  flush_unk();

  struct Cand {
    int32_t rank, pos, new_id;
    bool operator<(const Cand& o) const {  // priority_queue pops the largest: invert
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  auto find_merge = [&](int32_t a, int32_t b) -> const std::pair<int32_t, int32_t>* {
    auto it = merges.find((static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b));
    return it == merges.end() ? nullptr : &it->second;
  };
  std::priority_queue<Cand> q;
  for (size_t i = 0; i + 1 < sym.size(); ++i)
    if (auto m = find_merge(sym[i].id, sym[i + 1].id)) q.push({m->first, static_cast<int32_t>(i), m->second});
  while (!q.empty()) {
    const Cand top = q.top();
    q.pop();
    Symbol& cur = sym[top.pos];
    if (cur.len == 0 || cur.next < 0) continue;
    Symbol& right = sym[cur.next];
    auto m = find_merge(cur.id, right.id);
    if (!m || m->second != top.new_id) continue;  // stale entry
    cur.id = top.new_id;
    cur.len += right.len;
    cur.next = right.next;
    right.len = 0;
    if (cur.next >= 0) sym[cur.next].prev = top.pos;
    if (cur.prev >= 0)
      if (auto pm = find_merge(sym[cur.prev].id, cur.id)) q.push({pm->first, cur.prev, pm->second});
    if (cur.next >= 0)
      if (auto nm = find_merge(cur.id, sym[cur.next].id)) q.push({nm->first, top.pos, nm->second});
  }
  std::vector<BpeToken> out;
  for (const Symbol& x : sym)
    if (x.len > 0) out.push_back({x.id, x.begin, x.begin + x.len});
  return out;
}

}  // namespace ss::tok
