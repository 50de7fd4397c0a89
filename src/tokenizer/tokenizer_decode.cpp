// decode (the tokenizer.json decoder chain, as `tokenizers` runs it) and
// token_text (a readable label for one token in the UI).
#include <cstdio>

#include "tokenizer/normalized.h"
#include "tokenizer/impl.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace ss {

namespace {

// Bytes a byte-level token spells; nullopt-like false when some character is
// not a byte character (then `tokenizers` keeps the token's own bytes).
bool byte_level_bytes(const std::string& t, std::string& out) {
  std::string bytes;
  for (size_t i = 0; i < t.size();) {
    int len;
    const int b = tok::unicode_to_byte(tok::utf8_decode(t, i, &len));
    if (b < 0) return false;
    bytes += static_cast<char>(b);
    i += len;
  }
  out += bytes;
  return true;
}

int byte_token(const std::string& t) {  // <0xNN> -> NN, else -1
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return -1;
  int v = 0;
  for (int k = 3; k < 5; ++k) {
    const char c = t[k];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

std::string replace_str(const std::string& s, const std::string& a, const std::string& b) {
  if (a.empty()) return s;
  std::string out;
  size_t i = 0;
  for (size_t k = s.find(a); k != std::string::npos; k = s.find(a, i)) {
    out.append(s, i, k - i);
    out += b;
    i = k + a.size();
  }
  out.append(s, i, std::string::npos);
  return out;
}

std::vector<std::string> run_decoder(const tok::Decoder& d, std::vector<std::string> toks) {
  std::vector<std::string> out;
  switch (d.kind) {
    case tok::Decoder::kByteLevel: {
      std::string bytes;
      for (const auto& t : toks)
        if (!byte_level_bytes(t, bytes)) bytes += t;
      out.push_back(tok::utf8_lossy(bytes));
      return out;
    }
    case tok::Decoder::kReplace:
      for (auto& t : toks) out.push_back(replace_str(t, d.a, d.b));
      return out;
    case tok::Decoder::kByteFallback: {
      std::string pending;  // consecutive <0xNN> bytes
      auto flush = [&] {
        if (pending.empty()) return;
        if (tok::utf8_is_valid(pending)) {
          out.push_back(pending);
        } else {
          for (size_t k = 0; k < pending.size(); ++k) out.push_back("\xEF\xBF\xBD");
        }
        pending.clear();
      };
      for (auto& t : toks) {
        const int b = byte_token(t);
        if (b >= 0) {
          pending += static_cast<char>(b);
        } else {
          flush();
          out.push_back(std::move(t));
        }
      }
      flush();
      return out;
    }
    case tok::Decoder::kFuse: {
      std::string all;
      for (auto& t : toks) all += t;
      out.push_back(std::move(all));
      return out;
    }
    case tok::Decoder::kStrip: {
      for (auto& t : toks) {
        size_t b = 0, e = t.size();
        for (int k = 0; k < d.start && t.compare(b, d.a.size(), d.a) == 0 && b < e; ++k) b += d.a.size();
        for (int k = 0; k < d.stop && e >= b + d.a.size() && t.compare(e - d.a.size(), d.a.size(), d.a) == 0; ++k)
          e -= d.a.size();
        out.push_back(t.substr(b, e - b));
      }
      return out;
    }
    case tok::Decoder::kMetaspace: {
      for (size_t i = 0; i < toks.size(); ++i)
        out.push_back(replace_str(toks[i], d.a, i == 0 && d.prepend ? "" : " "));
      return out;
    }
  }
  return toks;
}

// Printable form of bytes: control characters and invalid bytes as escapes.
std::string escape(const std::string& bytes) {
  std::string out;
  char buf[16];
  for (size_t i = 0; i < bytes.size();) {
    int bad;
    const int n = tok::utf8_valid_len(bytes, i, &bad);
    if (n == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(static_cast<uint8_t>(bytes[i])));
      out += buf;
      ++i;
      continue;
    }
    int len;
    const uint32_t cp = tok::utf8_decode(bytes, i, &len);
    if (cp == '\n') out += "\\n";
    else if (cp == '\t') out += "\\t";
    else if (cp == '\r') out += "\\r";
    else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(bytes, i, static_cast<size_t>(len));
    }
    i += len;
  }
  return out;
}

}  // namespace

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
  if (!impl_) return {};
  const tok::Pipeline& p = impl_->p;
  std::vector<std::string> toks;
  for (int32_t id : ids)
    if (id >= 0 && id < vocab_size() && !p.id_to_token[static_cast<size_t>(id)].empty())
      toks.push_back(p.id_to_token[static_cast<size_t>(id)]);
  std::string out;
  if (!p.has_decoder) {
    for (size_t i = 0; i < toks.size(); ++i) out += (i ? " " : "") + toks[i];
    return out;
  }
  for (const auto& d : p.decoders) toks = run_decoder(d, std::move(toks));
  for (auto& t : toks) out += t;
  return out;
}

std::string Tokenizer::token_bytes(int32_t id) const {
  if (!impl_ || id < 0 || id >= vocab_size()) return {};
  const tok::Pipeline& p = impl_->p;
  const std::string& t = p.id_to_token[static_cast<size_t>(id)];
  for (const auto& a : p.added)
    if (a.id == id) return t;
  std::string bytes;
  if (p.byte_level && byte_level_bytes(t, bytes)) return bytes;
  const int b = byte_token(t);
  if (b >= 0) return std::string(1, static_cast<char>(b));
  return replace_str(t, "\xE2\x96\x81", " ");  // SentencePiece's ▁ is the space it stands for
}

std::string Tokenizer::token_text(int32_t id) const { return escape(token_bytes(id)); }

}  // namespace ss
