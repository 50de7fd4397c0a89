#include "ui/draw_fingerprint.h"

#include <cstring>

#include "imgui.h"

namespace ss::explorer {
namespace {

// Word-at-a-time multiply-xor mixing: a large heatmap's draw lists are about
// a megabyte, so a byte-wise hash would cost a visible part of the frame.
struct Hasher {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  void word(uint64_t w) {
    h ^= w * 0xbf58476d1ce4e5b9ull;
    h = (h << 27 | h >> 37) * 0x94d049bb133111ebull;
  }
  void bytes(const void* p, size_t n) {
    const unsigned char* c = static_cast<const unsigned char*>(p);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, c + i, 8);
      word(w);
    }
    uint64_t tail = 0;
    if (n > i) std::memcpy(&tail, c + i, n - i);
    word(tail ^ (uint64_t{n} << 56));
  }
};

}  // namespace

uint64_t draw_fingerprint(const ImDrawData* d, int fb_w, int fb_h) {
  Hasher h;
  h.word(static_cast<uint64_t>(static_cast<uint32_t>(fb_w)) << 32 | static_cast<uint32_t>(fb_h));
  if (!d || !d->Valid) return h.h;
  h.bytes(&d->DisplayPos, sizeof(d->DisplayPos));
  h.bytes(&d->DisplaySize, sizeof(d->DisplaySize));
  h.bytes(&d->FramebufferScale, sizeof(d->FramebufferScale));
  for (int l = 0; l < d->CmdListsCount; ++l) {
    const ImDrawList* list = d->CmdLists[l];
    h.bytes(list->VtxBuffer.Data, sizeof(ImDrawVert) * static_cast<size_t>(list->VtxBuffer.Size));
    h.bytes(list->IdxBuffer.Data, sizeof(ImDrawIdx) * static_cast<size_t>(list->IdxBuffer.Size));
    for (const ImDrawCmd& c : list->CmdBuffer) {
      h.bytes(&c.ClipRect, sizeof(c.ClipRect));
      h.word(reinterpret_cast<uintptr_t>(c.TextureId));
      h.word(uint64_t{c.VtxOffset} << 32 | c.IdxOffset);
      h.word(uint64_t{c.ElemCount} << 1 | (c.UserCallback ? 1 : 0));
    }
  }
  return h.h;
}

}  // namespace ss::explorer
